// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/polkitcheck.h"

#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QPointer>

namespace nsviz
{

namespace
{

const QString kService = QStringLiteral("org.freedesktop.PolicyKit1");
const QString kPath = QStringLiteral("/org/freedesktop/PolicyKit1/Authority");
const QString kInterface = QStringLiteral("org.freedesktop.PolicyKit1.Authority");
// polkit's CheckAuthorizationFlags
constexpr quint32 kAllowUserInteraction = 1;

} // namespace

PolkitVerdict polkitVerdict(bool authorized, bool challenge, const QMap<QString, QString> &details)
{
    using K = PolkitVerdict::Kind;
    PolkitVerdict v;
    // polkitd writes "1" in a challenge and "true" after a dismissal: the key's presence is the fact.
    v.retains = details.contains(QStringLiteral("polkit.retains_authorization_after_challenge"));
    if (authorized)
        v.kind = K::Authorized;
    else if (details.contains(QStringLiteral("polkit.dismissed")))
        v.kind = K::Dismissed;
    else if (challenge)
        v.kind = K::Challenge;
    else
        v.kind = K::NotAuthorized;
    return v;
}

void checkPolkitAuthorization(const QString &actionId, bool interactive, const QString &cancellationId,
                              int timeoutMs, QObject *context,
                              std::function<void(const PolkitVerdict &)> done)
{
    // The details argument (a{ss}) needs its D-Bus type registered once.
    static const QMetaType detailsType = qDBusRegisterMetaType<QMap<QString, QString>>();
    Q_UNUSED(detailsType)
    QDBusConnection bus = QDBusConnection::systemBus();
    auto fail = [context, done](const QString &why) {
        PolkitVerdict v;
        v.error = why;
        QMetaObject::invokeMethod(
            context, [done, v] { done(v); }, Qt::QueuedConnection);
    };
    if (!bus.isConnected()) {
        fail(QStringLiteral("no system bus"));
        return;
    }
    // CheckAuthorization(subject (sa{sv}), action_id s, details a{ss}, flags u, cancellation_id s)
    QDBusArgument subject;
    subject.beginStructure();
    subject << QStringLiteral("system-bus-name")
            << QVariantMap{{QStringLiteral("name"), QVariant::fromValue(bus.baseService())}};
    subject.endStructure();
    QDBusMessage call =
        QDBusMessage::createMethodCall(kService, kPath, kInterface, QStringLiteral("CheckAuthorization"));
    call << QVariant::fromValue(subject) << actionId << QVariant::fromValue(QMap<QString, QString>{})
         << quint32(interactive ? kAllowUserInteraction : 0) << cancellationId;
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(call, timeoutMs), context);
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, context, [watcher, done] {
        watcher->deleteLater();
        const QDBusMessage reply = watcher->reply();
        PolkitVerdict v;
        if (reply.type() != QDBusMessage::ReplyMessage || reply.arguments().size() != 1 ||
            reply.signature() != QLatin1String("(bba{ss})")) {
            v.error = reply.type() == QDBusMessage::ErrorMessage
                          ? reply.errorName() + QStringLiteral(": ") + reply.errorMessage()
                          : QStringLiteral("unexpected reply from polkit (%1)").arg(reply.signature());
            done(v);
            return;
        }
        const QDBusArgument arg = reply.arguments().at(0).value<QDBusArgument>();
        bool authorized = false, challenge = false;
        QMap<QString, QString> details;
        arg.beginStructure();
        arg >> authorized >> challenge >> details;
        arg.endStructure();
        done(polkitVerdict(authorized, challenge, details));
    });
}

void cancelPolkitCheck(const QString &cancellationId)
{
    if (cancellationId.isEmpty())
        return;
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kInterface,
                                                       QStringLiteral("CancelCheckAuthorization"));
    call << cancellationId;
    QDBusConnection::systemBus().asyncCall(call);
}

} // namespace nsviz
