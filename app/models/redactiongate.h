// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The one gate everything that leaves the app passes: pictures of the panels, SVG, Markdown, the
// clipboard, saved snapshots, findings and diff exports. It holds the Redact Names switch of one
// window (one per SnapshotStore, so every model and panel that follows the store reaches it) and
// the Redactor for the store's current snapshot. When the switch is off it passes everything
// through unchanged.

#include "app/models/redactor.h"

#include <QObject>
#include <QString>
#include <nlohmann/json_fwd.hpp>
#include <optional>

namespace nsviz
{

class SnapshotStore;

class RedactionGate : public QObject
{
    Q_OBJECT
public:
    explicit RedactionGate(SnapshotStore *store);

    bool enabled() const { return m_enabled; }
    /// The rules for the store's current snapshot, rebuilt when first needed after an update.
    const Redactor &redactor() const;

    QString text(const QString &text) const;
    std::string text(const std::string &text) const;
    /// A command line as it may be shown: the whole of it when off, the program name when on.
    QString command(const std::vector<std::string> &argv, const std::string &comm) const;
    nlohmann::json json(const nlohmann::json &doc) const;
    Snapshot snapshot(const Snapshot &s) const;

    /// Puts @p text (and @p markdown as text/markdown when given) on the clipboard, redacted.
    /// Every copy in the app goes through here.
    void copy(const QString &text, const QString &markdown = QString()) const;

    /// The gate of @p store (nullptr for none): panels that are given a store find it here.
    static RedactionGate *of(const SnapshotStore *store);

public Q_SLOTS:
    void setEnabled(bool on);

Q_SIGNALS:
    void enabledChanged(bool on);

private:
    SnapshotStore *m_store;
    bool m_enabled = false;
    mutable bool m_dirty = true;
    mutable std::optional<Redactor> m_redactor;
};

} // namespace nsviz
