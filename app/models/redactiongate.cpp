// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/redactiongate.h"

#include "app/models/snapshotstore.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QMimeData>
#include <nlohmann/json.hpp>

namespace nsviz
{

RedactionGate::RedactionGate(SnapshotStore *store) : QObject(store), m_store(store)
{
    setObjectName(QStringLiteral("redactionGate"));
    // A new snapshot brings new names; rebuild the rules lazily, when something leaves.
    connect(store, &SnapshotStore::snapshotReset, this, [this] { m_dirty = true; });
    connect(store, &SnapshotStore::deltaApplied, this, [this](const SnapshotDelta &d) {
        if (!d.empty())
            m_dirty = true;
    });
}

RedactionGate *RedactionGate::of(const SnapshotStore *store)
{
    return store ? store->redaction() : nullptr;
}

void RedactionGate::setEnabled(bool on)
{
    if (on == m_enabled)
        return;
    m_enabled = on;
    Q_EMIT enabledChanged(on);
}

const Redactor &RedactionGate::redactor() const
{
    if (m_dirty || !m_redactor) {
        Redactor next(m_store->snapshot());
        // Keep the numbers: IPv4-1 stays IPv4-1 across updates.
        if (m_redactor)
            next.shareAddressesWith(*m_redactor);
        m_redactor.emplace(std::move(next));
        m_dirty = false;
    }
    return *m_redactor;
}

QString RedactionGate::text(const QString &text) const
{
    return m_enabled ? redactor().text(text) : text;
}

std::string RedactionGate::text(const std::string &text) const
{
    return m_enabled ? redactor().text(text) : text;
}

QString RedactionGate::command(const std::vector<std::string> &argv, const std::string &comm) const
{
    if (!m_enabled) {
        if (argv.empty())
            return QString::fromStdString(comm);
        QStringList l;
        for (const auto &a : argv)
            l << QString::fromStdString(a);
        return l.join(QLatin1Char(' '));
    }
    return QString::fromStdString(redactor().text(argv.empty() ? comm : Redactor::programName(argv.front())));
}

nlohmann::json RedactionGate::json(const nlohmann::json &doc) const
{
    return m_enabled ? redactor().json(doc) : doc;
}

Snapshot RedactionGate::snapshot(const Snapshot &s) const
{
    return m_enabled ? redactor().apply(s) : s;
}

void RedactionGate::copy(const QString &text, const QString &markdown) const
{
    auto *mime = new QMimeData;
    mime->setText(this->text(text));
    if (!markdown.isNull())
        mime->setData(QStringLiteral("text/markdown"), this->text(markdown).toUtf8());
    QGuiApplication::clipboard()->setMimeData(mime);
}

} // namespace nsviz
