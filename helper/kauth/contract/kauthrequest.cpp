// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/kauth/contract/kauthrequest.h"

#include "core/protocol/requestparser.h"

#include <QMetaType>
#include <QSet>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <optional>

namespace nsviz::kauth
{

namespace
{

// Integers only: a double, bool or string "5" is a client bug or an attack, not a number.
std::optional<qint64> integer(const QVariant &v, bool *tooBig)
{
    *tooBig = false;
    switch (v.metaType().id()) {
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::Long:
    case QMetaType::LongLong:
        return v.toLongLong();
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::ULong:
    case QMetaType::ULongLong: {
        const qulonglong u = v.toULongLong();
        if (u > static_cast<qulonglong>(std::numeric_limits<qint64>::max())) {
            *tooBig = true;
            return std::nullopt;
        }
        return static_cast<qint64>(u);
    }
    default:
        return std::nullopt;
    }
}

struct Checker {
    const QVariantMap &args;
    KAuthArgError error;
    bool ok = true;

    bool fail(const QString &msg)
    {
        if (ok) {
            ok = false;
            error.message = msg;
        }
        return false;
    }

    // Reads an integer key within [lo, hi]; absent keys leave @p out untouched unless required.
    bool intKey(const char *key, qint64 lo, qint64 hi, qint64 &out, bool required)
    {
        const QString k = QString::fromLatin1(key);
        auto it = args.constFind(k);
        if (it == args.constEnd())
            return required ? fail(QStringLiteral("missing argument \"%1\"").arg(k)) : true;
        bool tooBig = false;
        auto n = integer(it.value(), &tooBig);
        if (!n && !tooBig)
            return fail(QStringLiteral("argument \"%1\" must be an integer, got %2")
                            .arg(k, QString::fromLatin1(it.value().metaType().name())));
        if (tooBig || *n < lo || *n > hi)
            return fail(QStringLiteral("argument \"%1\" out of range [%2, %3]").arg(k).arg(lo).arg(hi));
        out = *n;
        return true;
    }

    bool stringKey(const char *key, qsizetype maxLen, QString &out, bool required)
    {
        const QString k = QString::fromLatin1(key);
        auto it = args.constFind(k);
        if (it == args.constEnd())
            return required ? fail(QStringLiteral("missing argument \"%1\"").arg(k)) : true;
        if (it.value().metaType().id() != QMetaType::QString)
            return fail(QStringLiteral("argument \"%1\" must be a string").arg(k));
        out = it.value().toString();
        if (out.size() > maxLen)
            return fail(QStringLiteral("argument \"%1\" longer than %2 characters").arg(k).arg(maxLen));
        return true;
    }

    bool onlyKeys(std::initializer_list<const char *> allowed)
    {
        QSet<QString> set;
        for (const char *a : allowed)
            set.insert(QString::fromLatin1(a));
        for (auto it = args.constBegin(); it != args.constEnd(); ++it) {
            if (!set.contains(it.key()))
                return fail(QStringLiteral("unknown argument \"%1\"").arg(it.key().left(64)));
        }
        return true;
    }
};

} // namespace

QString verbName(Verb v)
{
    switch (v) {
    case Verb::Scan:
        return QStringLiteral("scan");
    case Verb::Inspect:
        return QStringLiteral("inspect");
    case Verb::DemoStart:
        return QStringLiteral("demostart");
    case Verb::DemoStop:
        return QStringLiteral("demostop");
    case Verb::DemoList:
        return QStringLiteral("demolist");
    }
    return {};
}

QString actionName(Verb v)
{
    return QString::fromLatin1(kHelperId) + QLatin1Char('.') + verbName(v);
}

std::variant<KAuthRequest, KAuthArgError> parseKAuthArgs(Verb verb, const QVariantMap &args)
{
    Checker c{args, {}};
    KAuthRequest r;
    r.verb = verb;

    // The id first, so that every later refusal can still be matched by the client.
    qint64 id = 0;
    if (!c.intKey("id", 1, static_cast<qint64>(kMaxRequestId), id, true))
        return c.error;
    r.id = static_cast<std::uint64_t>(id);
    c.error.id = r.id;

    switch (verb) {
    case Verb::Scan: {
        c.onlyKeys({"id", "channel_token", "mode", "interval_ms", "max_duration_ms", "chunk_bytes"});
        QString mode = QStringLiteral("snapshot");
        c.stringKey("mode", 16, mode, false);
        if (c.ok && mode != QLatin1String("snapshot") && mode != QLatin1String("subscribe"))
            c.fail(QStringLiteral("argument \"mode\" must be \"snapshot\" or \"subscribe\""));
        r.subscribe = mode == QLatin1String("subscribe");
        qint64 interval = kDefaultIntervalMs, duration = kDefaultDurationMs, chunk = kDefaultChunkBytes;
        if (c.ok && !r.subscribe &&
            (args.contains(QStringLiteral("interval_ms")) ||
             args.contains(QStringLiteral("max_duration_ms"))))
            c.fail(
                QStringLiteral("\"interval_ms\" and \"max_duration_ms\" only apply to mode \"subscribe\""));
        c.intKey("interval_ms", kMinIntervalMs, kMaxIntervalMs, interval, false);
        c.intKey("max_duration_ms", kMinDurationMs, kMaxDurationMs, duration, false);
        c.intKey("chunk_bytes", kMinChunkBytes, kMaxChunkBytes, chunk, false);
        r.intervalMs = static_cast<int>(interval);
        r.maxDurationMs = static_cast<int>(duration);
        r.chunkBytes = static_cast<int>(chunk);
        break;
    }
    case Verb::Inspect: {
        c.onlyKeys({"id", "channel_token", "pid", "start_time"});
        qint64 pid = 0;
        c.intKey("pid", 1, kMaxPid, pid, true);
        r.pid = static_cast<int>(pid);
        qint64 startTime = 0;
        c.intKey("start_time", 1, static_cast<qint64>(kMaxRequestId), startTime, false);
        r.startTime = static_cast<std::uint64_t>(startTime);
        break;
    }
    case Verb::DemoStart: {
        // The demo work defines the spec; until then it is checked for size and shape only.
        c.onlyKeys({"id", "channel_token", "spec", "owner_pid"});
        qint64 owner = 0;
        c.intKey("owner_pid", 1, kMaxPid, owner, false);
        r.ownerPid = static_cast<int>(owner);
        QString spec;
        c.stringKey("spec", kMaxDemoArgBytes, spec, false);
        if (c.ok && !spec.isEmpty()) {
            // Shape only here; the protocol parser checks depth and the demo handler the fields.
            const QByteArray utf8 = spec.toUtf8();
            const auto j = nlohmann::json::parse(utf8.constBegin(), utf8.constEnd(), nullptr, false);
            if (!j.is_object())
                c.fail(QStringLiteral("argument \"spec\" must be a JSON object"));
            else
                r.demoArgs = utf8.toStdString();
        }
        break;
    }
    case Verb::DemoStop: {
        // The demo handler takes {"pid": N} or {"all": true} and refuses anything else.
        c.onlyKeys({"id", "channel_token", "pid", "all"});
        const bool hasPid = args.contains(QStringLiteral("pid"));
        const bool hasAll = args.contains(QStringLiteral("all"));
        if (c.ok && hasPid == hasAll)
            c.fail(QStringLiteral("demostop needs exactly one of \"pid\" and \"all\""));
        if (c.ok && hasPid) {
            qint64 pid = 0;
            if (c.intKey("pid", 1, kMaxPid, pid, true))
                r.demoArgs = nlohmann::json{{"pid", pid}}.dump();
        }
        if (c.ok && hasAll) {
            const QVariant v = args.value(QStringLiteral("all"));
            if (v.metaType().id() != QMetaType::Bool || !v.toBool())
                c.fail(QStringLiteral("argument \"all\" must be the boolean true"));
            else
                r.demoArgs = nlohmann::json{{"all", true}}.dump();
        }
        break;
    }
    case Verb::DemoList:
        // The demo handler takes {} and nothing else.
        c.onlyKeys({"id", "channel_token"});
        break;
    }
    // Last, so that the verb's own refusals read as before. Where the frames go: the private
    // channel, opened for the holder of this token only.
    QString token;
    c.stringKey("channel_token", 64, token, true);
    if (c.ok && !validChannelToken(token.toStdString()))
        c.fail(QStringLiteral("argument \"channel_token\" must be %1 lowercase hex characters")
                   .arg(kChannelTokenHexChars));
    r.channelToken = token.toStdString();
    if (!c.ok)
        return c.error;
    return r;
}

bool validChannelToken(const std::string &token)
{
    return token.size() == static_cast<std::size_t>(kChannelTokenHexChars) &&
           std::all_of(token.begin(), token.end(),
                       [](char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); });
}

QVariantMap toKAuthArgs(const KAuthRequest &req)
{
    QVariantMap m;
    m.insert(QStringLiteral("id"), QVariant::fromValue<qulonglong>(req.id));
    if (!req.channelToken.empty())
        m.insert(QStringLiteral("channel_token"), QString::fromStdString(req.channelToken));
    switch (req.verb) {
    case Verb::Scan:
        m.insert(QStringLiteral("mode"),
                 req.subscribe ? QStringLiteral("subscribe") : QStringLiteral("snapshot"));
        if (req.subscribe) {
            m.insert(QStringLiteral("interval_ms"), req.intervalMs);
            m.insert(QStringLiteral("max_duration_ms"), req.maxDurationMs);
        }
        if (req.chunkBytes != kDefaultChunkBytes)
            m.insert(QStringLiteral("chunk_bytes"), req.chunkBytes);
        break;
    case Verb::Inspect:
        m.insert(QStringLiteral("pid"), req.pid);
        if (req.startTime > 0)
            m.insert(QStringLiteral("start_time"), static_cast<qint64>(req.startTime));
        break;
    case Verb::DemoStart:
        if (req.demoArgs != "{}")
            m.insert(QStringLiteral("spec"), QString::fromStdString(req.demoArgs));
        if (req.ownerPid > 0)
            m.insert(QStringLiteral("owner_pid"), req.ownerPid);
        break;
    case Verb::DemoStop: {
        const auto j = nlohmann::json::parse(req.demoArgs, nullptr, false);
        // As a 64-bit number: parseKAuthArgs() range-checks it, a narrowing here would not.
        if (j.is_object() && j.contains("pid") && j["pid"].is_number_integer())
            m.insert(QStringLiteral("pid"), QVariant::fromValue<qlonglong>(j["pid"].get<long long>()));
        else if (j.is_object() && j.value("all", false) == true)
            m.insert(QStringLiteral("all"), true);
        break;
    }
    case Verb::DemoList:
        break;
    }
    return m;
}

std::variant<KAuthRequest, KAuthRefusal> kauthRequestFromProtocol(const nlohmann::json &request)
{
    using protocol::RequestType;
    namespace err = protocol::err;
    if (!request.is_object())
        return KAuthRefusal{err::BadRequest, "request is not a JSON object"};
    // The protocol's own parser first: the same checks serve makes (types, ranges, unknown fields).
    nlohmann::json j = request;
    j["v"] = protocol::kVersion;
    j["id"] = std::uint64_t(1); // unsigned, as the parser wants it
    const auto parsed = protocol::parseRequestFromJson(j);
    if (const auto *e = std::get_if<protocol::ParseError>(&parsed))
        return KAuthRefusal{e->code, e->message};
    const protocol::Request &p = std::get<protocol::Request>(parsed);

    KAuthRequest r;
    switch (p.type) {
    case RequestType::Inspect:
        r.verb = Verb::Inspect;
        r.pid = p.pid;
        r.startTime = p.startTime;
        break;
    case RequestType::DemoStart:
        r.verb = Verb::DemoStart;
        r.demoArgs = p.args.dump();
        break;
    case RequestType::DemoStop:
        // The demo handler takes {"pid": N} or {"all": true} and nothing else; the action's
        // arguments can say only that.
        if (!(p.args.size() == 1 && (p.args.contains("pid") || p.args == nlohmann::json{{"all", true}})))
            return KAuthRefusal{err::BadRequest, "demo_stop needs args {\"pid\": N} or {\"all\": true}"};
        r.verb = Verb::DemoStop;
        r.demoArgs = p.args.dump();
        break;
    case RequestType::DemoList:
        if (!p.args.empty())
            return KAuthRefusal{err::BadRequest, "demo_list takes no arguments"};
        r.verb = Verb::DemoList;
        break;
    default:
        return KAuthRefusal{err::Unsupported, "the KAuth helper has no action for request type '" +
                                                  std::string(protocol::requestTypeName(p.type)) + "'"};
    }
    // Then the helper's own argument checks, on exactly the map it will be given.
    KAuthRequest probe = r;
    probe.id = 1;
    probe.channelToken = std::string(kChannelTokenHexChars, '0');
    const auto checked = parseKAuthArgs(r.verb, toKAuthArgs(probe));
    if (const auto *e = std::get_if<KAuthArgError>(&checked))
        return KAuthRefusal{err::BadRequest, e->message.toStdString()};
    return r;
}

namespace
{
const QString kId = QStringLiteral("id");
const QString kChannel = QStringLiteral("channel");
const QString kHeartbeat = QStringLiteral("heartbeat");
const QString kFrames = QStringLiteral("frames");
const QString kStatus = QStringLiteral("status");
} // namespace

QVariantMap toProgressData(const KAuthProgress &progress)
{
    QVariantMap m;
    m.insert(kId, QVariant::fromValue<qulonglong>(progress.id));
    if (progress.heartbeat) {
        m.insert(kHeartbeat, true);
        return m;
    }
    m.insert(kChannel, progress.channel);
    return m;
}

KAuthProgress parseProgressData(const QVariantMap &data)
{
    KAuthProgress p;
    p.id = requestIdOf(data);
    p.heartbeat = data.value(kHeartbeat).toBool();
    p.channel = data.value(kChannel).toString();
    return p;
}

QVariantMap toResultData(std::uint64_t id, std::uint64_t frames, const QString &status)
{
    QVariantMap m;
    m.insert(kId, QVariant::fromValue<qulonglong>(id));
    m.insert(kFrames, QVariant::fromValue<qulonglong>(frames));
    m.insert(kStatus, status);
    return m;
}

std::uint64_t requestIdOf(const QVariantMap &data)
{
    return data.value(kId).toULongLong();
}

QString statusOf(const QVariantMap &data)
{
    return data.value(kStatus).toString();
}

} // namespace nsviz::kauth
