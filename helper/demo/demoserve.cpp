// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/demoserve.h"

#include "helper/demo/caller.h"
#include "helper/serve/handlererror.h"
#include "helper/serve/server.h"

#include <memory>
#include <unistd.h>

namespace nsviz::helper
{

namespace
{
/// Protocol codes for DemoError codes: the client tells "your request is wrong" (bad_request)
/// from "no such demo" (not_found) from "could not" (failed: limit, not root, system error).
const char *protocolCode(const DemoError &e)
{
    if (e.code() == "bad_request")
        return protocol::err::BadRequest;
    if (e.code() == "not_found")
        return protocol::err::NotFound;
    if (e.code() == "not_authorised")
        return protocol::err::NotAuthorised;
    return protocol::err::Failed;
}

template <typename F> Server::Handler guarded(F f)
{
    return [f](const protocol::Request &r) -> nlohmann::json {
        try {
            return f(r);
        } catch (const DemoError &e) {
            throw HandlerError(protocolCode(e), e.what());
        }
    };
}
} // namespace

void installDemoHandlers(Server &server, const DemoServeOptions &options)
{
    using protocol::RequestType;
    auto manager = std::make_shared<DemoManager>(options.manager);
    auto owner = options.owner;
    auto ownerNow = [owner]() -> std::optional<DemoOwner> {
        if (owner)
            return owner();
        return DemoOwner{int(::getpid()), 0};
    };
    std::function<std::optional<std::uint32_t>()> callerOf = options.callerUid;
    if (!callerOf) {
        // Read once: the environment names one caller for the life of this process. A malformed
        // PKEXEC_UID/SUDO_UID refuses every demo request rather than guessing.
        std::optional<std::uint32_t> uid;
        try {
            uid = callerFromEnvironment().uid;
        } catch (const std::exception &) {
        }
        callerOf = [uid] { return uid; };
    }
    auto caller = [callerOf]() -> std::uint32_t {
        auto uid = callerOf();
        if (!uid)
            throw HandlerError(
                protocol::err::NotAuthorised,
                "the helper cannot tell who is asking, so it starts and stops no demo containers");
        return *uid;
    };
    server.setHandler(RequestType::DemoStart,
                      guarded([manager, ownerNow, caller](const protocol::Request &r) {
                          return manager->startJson(r.args, ownerNow(), caller());
                      }));
    server.setHandler(RequestType::DemoStop, guarded([manager, caller](const protocol::Request &r) {
                          return manager->stopJson(r.args, caller());
                      }));
    server.setHandler(RequestType::DemoList, guarded([manager, caller](const protocol::Request &r) {
                          return manager->listJson(r.args, caller());
                      }));
    if (options.stopOnConnectionEnd) {
        server.addConnectionEndHook([manager, ownerNow] {
            try {
                if (auto o = ownerNow())
                    manager->stopAllOwnedBy(o->pid);
            } catch (const std::exception &) {
                // Not root, or the state directory is gone: nothing of ours can be running.
            }
        });
    }
}

void refuseDemoRequests(Server &server)
{
    using protocol::RequestType;
    const std::string message =
        std::string("demo containers need the demo-capable helper: this is the read-only "
                    "'nsviz-helper serve'; run 'nsviz-helper serve-demos' (pkexec asks for polkit action ") +
        kPkexecDemoAction + ")";
    for (auto t : {RequestType::DemoStart, RequestType::DemoStop, RequestType::DemoList})
        server.setRefusal(t, protocol::err::NotAuthorised, message);
}

void addDemoServeExtension(DemoServeOptions options)
{
    addServeExtension([options](Server &server) { installDemoHandlers(server, options); });
}

} // namespace nsviz::helper
