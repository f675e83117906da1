// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The compare view: two moments of a host (snapshot files, moments of a recording) compared by the
// core (nsviz.compare/1, docs/compare.md) and shown as the cluster picture of moment B with what is
// new, gone and moved marked, beside a table of the changes. Pictures (PNG, SVG) and the change list
// (Markdown, JSON) leave through the window's RedactionGate, whose switch the window shows.

#include "app/cluster/comparepicture.h"
#include "core/protocol/moment.h"

#include <QMainWindow>
#include <nlohmann/json.hpp>

class QAction;
class QComboBox;
class QTableView;

namespace nsviz
{

class CompareModel;
class RedactionGate;
class SnapshotStore;

class CompareWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// Compares @p a (before) with @p b (after).
    CompareWindow(const Moment &a, const Moment &b, QWidget *parent = nullptr);
    ~CompareWindow() override;

    /// Reads the moments @p a and @p b (FILE, FILE@SECONDS, FILE@end) in the thread pool and opens
    /// a window for them; an error goes to a message box over @p parent. @p redact starts the
    /// window with Redact Names on.
    static void open(const QString &a, const QString &b, bool redact, QWidget *parent);

    CompareModel *model() const { return m_model; }
    RedactionGate *redaction() const;
    const ComparePicture &picture() const { return m_picture; }
    /// The comparison as the core made it (not redacted).
    const nlohmann::json &comparison() const { return m_cmp; }
    QWidget *canvas() const { return m_canvas; }
    QTableView *table() const { return m_table; }

    void setGroupBy(NsType type);
    /// Writes the picture (PNG or SVG by suffix) at @p size (the canvas's when empty).
    bool exportPicture(const QString &file, double scale, QString *error, QSize size = {});
    /// Writes the change list: Markdown for .md, the nsviz.compare/1 JSON otherwise.
    bool exportChanges(const QString &file, QString *error);
    /// The change list as Markdown, through the gate.
    QString markdown() const;

private:
    void rebuild();
    void askExportPicture();
    void askExportChanges();

    nlohmann::json m_cmp;
    Snapshot m_merged;
    NsType m_groupBy = NsType::Net;
    SnapshotStore *m_store;
    CompareModel *m_model;
    ComparePicture m_picture;
    QWidget *m_canvas;
    QTableView *m_table;
    QComboBox *m_groupCombo;
    QAction *m_redactAction;
};

} // namespace nsviz
