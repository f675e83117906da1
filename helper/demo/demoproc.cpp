// SPDX-License-Identifier: GPL-2.0-or-later
#include "helper/demo/demoproc.h"

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

std::optional<std::string> readFile(const std::string &path, std::size_t max)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0)
            break;
        out.append(buf, std::size_t(n));
        if (out.size() > max) {
            ::close(fd);
            return std::nullopt;
        }
    }
    ::close(fd);
    return out;
}

std::optional<std::uint64_t> startTime(int pid)
{
    if (pid <= 0)
        return std::nullopt;
    auto stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    if (!stat)
        return std::nullopt;
    // comm may contain spaces and ')': fields resume after the last ')'.
    auto close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    // After ')' come field 3 (state) ... field 22 (starttime): skip 19 fields.
    std::size_t pos = close + 1;
    for (int field = 3; field < 22; ++field) {
        pos = stat->find(' ', pos + 1);
        if (pos == std::string::npos)
            return std::nullopt;
    }
    std::uint64_t v = 0;
    bool any = false;
    for (std::size_t i = pos + 1; i < stat->size() && (*stat)[i] >= '0' && (*stat)[i] <= '9'; ++i) {
        v = v * 10 + std::uint64_t((*stat)[i] - '0');
        any = true;
    }
    return any ? std::optional<std::uint64_t>(v) : std::nullopt;
}

std::vector<std::string> cmdline(int pid)
{
    std::vector<std::string> out;
    auto text = readFile("/proc/" + std::to_string(pid) + "/cmdline");
    if (!text)
        return out;
    std::size_t start = 0;
    while (start < text->size()) {
        auto nul = text->find('\0', start);
        if (nul == std::string::npos)
            nul = text->size();
        out.push_back(text->substr(start, nul - start));
        start = nul + 1;
    }
    return out;
}

bool isOurs(int pid, std::uint64_t start, const char *mode)
{
    auto st = startTime(pid);
    if (!st || *st != start)
        return false;
    auto argv = cmdline(pid);
    return argv.size() >= 2 && argv[1] == mode;
}

std::string bootId()
{
    auto id = readFile("/proc/sys/kernel/random/boot_id");
    if (!id)
        return {};
    while (!id->empty() && (id->back() == '\n' || id->back() == ' '))
        id->pop_back();
    return *id;
}

std::uint64_t nowMs()
{
    using namespace std::chrono;
    return std::uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

bool writeAll(int fd, const std::string &data)
{
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += std::size_t(n);
    }
    return true;
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
