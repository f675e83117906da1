// SPDX-License-Identifier: GPL-2.0-or-later
#include "tests/app/faketransport.h"

#include "core/protocol/protocol.h"

#include <QMetaObject>

namespace nsviz::testutil
{

quint64 FakeTransport::request(const QByteArray &requestJson)
{
    const quint64 id = ++lastId;
    requests.push_back(
        nlohmann::json::parse(requestJson.constBegin(), requestJson.constEnd(), nullptr, false));
    if (responder)
        responder(*this, id, requests.back());
    return id;
}

void FakeTransport::answer(quint64 id, const nlohmann::json &result, bool later)
{
    auto f = protocol::frame("result", id);
    f["result"] = result;
    reply(id, QByteArray::fromStdString(protocol::dumpFrame(f)), later);
}

void FakeTransport::fail(quint64 id, const std::string &code, const std::string &message, bool later)
{
    reply(id, QByteArray::fromStdString(protocol::dumpFrame(protocol::errorFrame(id, code, message))), later);
}

void FakeTransport::reply(quint64 id, const QByteArray &text, bool later)
{
    if (later)
        QMetaObject::invokeMethod(
            this, [this, id, text] { Q_EMIT replyReceived(id, text); }, Qt::QueuedConnection);
    else
        Q_EMIT replyReceived(id, text);
}

} // namespace nsviz::testutil
