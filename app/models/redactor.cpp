// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/redactor.h"

#include "app/models/usernames.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace nsviz
{

namespace
{

bool isWordChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

void collectHomeNames(const std::string &s, std::set<std::string> &out)
{
    for (const char *prefix : {"/home/", "/Users/"}) {
        const std::string p(prefix);
        for (std::size_t pos = s.find(p); pos != std::string::npos; pos = s.find(p, pos + 1)) {
            std::size_t start = pos + p.size(), end = start;
            while (end < s.size() && s[end] != '/' && !std::isspace(static_cast<unsigned char>(s[end])))
                ++end;
            if (end > start)
                out.insert(s.substr(start, end - start));
        }
    }
}

} // namespace

void Redactor::addName(const std::string &name, const std::string &placeholder)
{
    if (name.size() < 2)
        return;
    for (const auto &[n, p] : m_replacements)
        if (n == name)
            return;
    m_replacements.emplace_back(name, placeholder);
}

Redactor::Redactor(const Snapshot &s)
{
    if (!s.host.hostname.empty()) {
        addName(s.host.hostname, "host");
        // The short name too: "lab-host-17" of "lab-host-17.example.org".
        const auto dot = s.host.hostname.find('.');
        if (dot != std::string::npos && dot > 0)
            addName(s.host.hostname.substr(0, dot), "host");
    }
    std::set<std::string> users;
    const bool local = UserNames::isLocalSnapshot(s);
    std::set<std::uint32_t> uids;
    for (const auto &p : s.processes) {
        uids.insert(p.uid);
        uids.insert(p.euid);
        for (const auto &a : p.cmdline)
            collectHomeNames(a, users);
        collectHomeNames(p.cgroup, users);
    }
    for (const auto &n : s.namespaces)
        for (const auto &m : n.bindMounts)
            collectHomeNames(m, users);
    if (local) {
        // System accounts (root, daemon, www-data...) say nothing about who runs the host.
        for (auto uid : uids)
            if (uid >= 1000 && uid != 65534)
                if (auto name = UserNames::localName(uid); !name.isEmpty())
                    users.insert(name.toStdString());
    }
    int i = 1;
    for (const auto &u : users)
        addName(u, "user" + std::to_string(i++));
    std::sort(m_replacements.begin(), m_replacements.end(),
              [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

std::string Redactor::text(const std::string &in) const
{
    std::string s = in;
    for (const auto &[name, placeholder] : m_replacements) {
        std::size_t pos = 0;
        while ((pos = s.find(name, pos)) != std::string::npos) {
            // Whole words only, so "al" in "normal" stays; names inside paths and "k=v" still match.
            const bool startOk = pos == 0 || !isWordChar(s[pos - 1]);
            const bool endOk = pos + name.size() >= s.size() || !isWordChar(s[pos + name.size()]);
            if (startOk && endOk) {
                s.replace(pos, name.size(), placeholder);
                pos += placeholder.size();
            } else {
                pos += 1;
            }
        }
    }
    return s;
}

QString Redactor::text(const QString &in) const
{
    return QString::fromStdString(text(in.toStdString()));
}

std::string Redactor::programName(const std::string &argv0)
{
    // Processes that rewrite their title ("sshd: alice [priv]", "postgres: walwriter") put the
    // arguments into argv[0]; keep the part before the first ':' or blank.
    std::string s = argv0;
    const auto cut = s.find_first_of(": \t");
    if (cut != std::string::npos)
        s = s.substr(0, cut);
    const auto slash = s.find_last_of('/');
    if (slash != std::string::npos && slash + 1 < s.size())
        s = s.substr(slash + 1);
    return s;
}

Snapshot Redactor::apply(const Snapshot &in) const
{
    Snapshot s = in;
    s.host.hostname = in.host.hostname.empty() ? std::string() : "host";
    s.host.bootId.clear();
    s.host.referenceNote = text(in.host.referenceNote);
    s.host.referenceComm = text(in.host.referenceComm);
    for (auto &p : s.processes) {
        p.comm = text(p.comm);
        if (!p.cmdline.empty())
            p.cmdline = {text(programName(p.cmdline.front()))};
        p.cgroup = text(p.cgroup);
    }
    for (auto &n : s.namespaces) {
        for (auto &m : n.bindMounts)
            m = text(m);
    }
    for (auto &t : s.looseThreads)
        t.comm = text(t.comm);
    for (auto &w : s.warnings)
        w = text(w);
    return s;
}

Snapshot Redactor::redacted(const Snapshot &s)
{
    return Redactor(s).apply(s);
}

} // namespace nsviz
