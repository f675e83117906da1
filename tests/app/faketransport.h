// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The one fake Transport of the app tests: records what is asked of it, and answers requests as
// the test says (by hand with answer()/fail(), or with a responder).

#include "app/transport/transport.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace nsviz::testutil
{

class FakeTransport : public Transport
{
public:
    /// Called for every request (the frame without "v"/"id"), after it was recorded.
    using Responder = std::function<void(FakeTransport &self, quint64 id, const nlohmann::json &request)>;

    using Transport::Transport;

    QString description() const override { return QStringLiteral("fake"); }
    bool privileged() const override { return isPrivileged; }
    void start() override { Q_EMIT connected(); }
    void stop() override { Q_EMIT disconnected(); }
    void requestScan() override { ++scans; }
    void subscribe(int intervalMs) override
    {
        subscribedMs = intervalMs;
        ++subscriptions;
    }
    void unsubscribe() override { subscribedMs = 0; }
    quint64 request(const QByteArray &requestJson) override;

    /// Replies to request @p id with a result frame carrying @p result; @p later: from the event
    /// loop, as a real helper's reply arrives.
    void answer(quint64 id, const nlohmann::json &result, bool later = false);
    /// Replies to request @p id with an error frame.
    void fail(quint64 id, const std::string &code, const std::string &message, bool later = false);
    /// Replies with @p text as it is (e.g. a malformed frame).
    void reply(quint64 id, const QByteArray &text, bool later = false);

    /// The requests received, in order, as parsed JSON.
    std::vector<nlohmann::json> requests;
    Responder responder;
    bool isPrivileged = false;
    int scans = 0;
    int subscribedMs = 0;
    int subscriptions = 0; ///< subscribe() calls: a resync is a new subscription
    quint64 lastId = 0;
};

} // namespace nsviz::testutil
