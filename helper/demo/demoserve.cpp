// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/demoserve.h"

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
    server.setHandler(RequestType::DemoStart, guarded([manager, ownerNow](const protocol::Request &r) {
                          return manager->startJson(r.args, ownerNow());
                      }));
    server.setHandler(RequestType::DemoStop,
                      guarded([manager](const protocol::Request &r) { return manager->stopJson(r.args); }));
    server.setHandler(RequestType::DemoList,
                      guarded([manager](const protocol::Request &r) { return manager->listJson(r.args); }));
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

void addDemoServeExtension(DemoServeOptions options)
{
    addServeExtension([options](Server &server) { installDemoHandlers(server, options); });
}

} // namespace nsviz::helper
