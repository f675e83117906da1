// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/demoproc.h"

#include "core/proc/fdio.h"
#include "core/proc/procreader.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace nsviz::helper::demoproc
{

std::string errnoText(int err)
{
    return std::strerror(err);
}

bool isOurs(int pid, std::uint64_t start, const char *mode)
{
    auto st = ProcReader::startTime(pid);
    if (!st || *st != start)
        return false;
    auto argv = ProcReader::cmdline(pid);
    return argv.size() >= 2 && argv[1] == mode;
}

std::uint64_t nowMs()
{
    using namespace std::chrono;
    return std::uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::string writeFile(const std::string &path, const std::string &text)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return path + ": " + errnoText(errno);
    bool ok = writeAll(fd, text);
    int err = errno;
    ::close(fd);
    return ok ? std::string() : path + ": " + errnoText(err);
}

} // namespace nsviz::helper::demoproc
