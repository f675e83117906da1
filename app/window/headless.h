// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// `nsviz --screenshot`: render one view offscreen into a PNG (or SVG) and print a short summary.

#include "app/transport/sshtarget.h"
#include "core/model/model.h"

#include <QSize>
#include <QString>
#include <optional>

class QTextStream;

namespace nsviz
{

struct HeadlessOptions {
    QString output; ///< .png or .svg
    QString view = QStringLiteral("cluster");
    NsType groupBy = NsType::Net;
    /// Empty: scan this host (in-process, or through KAuth). A snapshot file, or a moment of a
    /// recording: FILE@SECONDS, FILE@end.
    QString snapshotFile;
    /// Both set: draw the comparison of moment A with moment B (each as snapshotFile may be).
    QString compareA, compareB;
    /// Scan through the KAuth helper (root, after polkit) instead of in-process with our rights.
    bool kauth = false;
    /// Scan a remote host through ssh instead (`ssh host nsviz-helper serve`).
    std::optional<SshTarget> host;
    QString saveSnapshot; ///< also write the snapshot drawn (nsviz.snapshot/1 JSON) here
    QSize size{1600, 1000};
    double scale = 1.0; ///< device pixel ratio of the PNG (1, 2, 4)
    bool redact = false;
    std::optional<bool> dark; ///< nullopt: follow the platform palette
    /// Cluster view only: also write what the painter drew (kind, rect, text, namespace, flagged
    /// of every title, label, badge, callout, legend and key-list row) as JSON here.
    QString layoutJson;
};

class Headless
{
public:
    /// Runs the whole screenshot mode; returns the process exit code. Errors go to @p err.
    static int run(const HeadlessOptions &opts, QTextStream &out, QTextStream &err);
    /// The text summary printed on stdout: counts, host reference, flagged processes.
    /// @p via names how a remote host was reached ("ssh root@db1"), empty for this host or a file.
    static QString summary(const Snapshot &s, NsType groupBy, const QString &via = {});
    /// `nsviz --compare A B --screenshot`: the comparison's picture (and layout record); prints the
    /// comparison's text report (redacted with opts.redact).
    static int runCompare(const HeadlessOptions &opts, QTextStream &out, QTextStream &err);
    /// Exit codes of a scan through KAuth that did not happen: polkit said no / the user cancelled.
    static constexpr int kExitDenied = 3;
    static constexpr int kExitCancelled = 4;
    /// The remote host could not be scanned (unreachable, host key, login, no helper, version).
    static constexpr int kExitRemote = 5;
};

} // namespace nsviz
