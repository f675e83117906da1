// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/usernames.h"

#include <QFile>
#include <QMutex>
#include <QMutexLocker>
#include <pwd.h>
#include <vector>

namespace nsviz
{

QString UserNames::localName(std::uint32_t uid)
{
    static QMutex mutex;
    static QHash<std::uint32_t, QString> cache;
    QMutexLocker lock(&mutex);
    if (auto it = cache.constFind(uid); it != cache.constEnd())
        return *it;
    struct passwd pw {
    };
    struct passwd *result = nullptr;
    std::vector<char> buf(4096);
    QString name;
    if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result)
        name = QString::fromLocal8Bit(result->pw_name);
    cache.insert(uid, name);
    return name;
}

bool UserNames::isLocalSnapshot(const Snapshot &s)
{
    if (s.host.bootId.empty())
        return false;
    QFile f(QStringLiteral("/proc/sys/kernel/random/boot_id"));
    if (!f.open(QIODevice::ReadOnly))
        return false;
    return f.readAll().trimmed() == QByteArray::fromStdString(s.host.bootId);
}

QString UserNames::describe(std::uint32_t uid, bool local)
{
    const QString name = local ? localName(uid) : QString();
    if (name.isEmpty())
        return QStringLiteral("uid %1").arg(uid);
    return QStringLiteral("%1 (%2)").arg(name).arg(uid);
}

} // namespace nsviz
