// SPDX-License-Identifier: GPL-2.0-or-later
// A stand-in for `nsviz-helper serve` whose scans can be held, for the GUI transport's watchdog
// test (transport_test.cpp): serve's own loop (helper::Server) on stdin/stdout, with a scan that
// answers at once the first time and from the second time on (the subscription's later ticks, the
// slow ones under a mount flood) creates the file HELD and waits until the file RELEASE exists.
//
//   nsviz_test_gated_helper serve RELEASE HELD
#include "helper/serve/server.h"

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const std::string release = argv[argc - 2];
    const std::string held = argv[argc - 1];
    std::signal(SIGPIPE, SIG_IGN);
    std::atomic<int> scans{0};
    nsviz::helper::Server::Options o;
    o.log = false;
    o.scan = [&] {
        if (++scans >= 2) {
            const int fd = ::open(held.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            if (fd >= 0)
                ::close(fd);
            while (::access(release.c_str(), F_OK) != 0)
                ::usleep(5000); // held: no time limit, the test decides
        }
        return nsviz::Snapshot{};
    };
    nsviz::helper::Server server(o);
    server.run(0, 1);
    return 0;
}
