// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/models/redactor.h"

#include "app/models/usernames.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

namespace nsviz
{

namespace
{

bool isWordChar(char c)
{
    // '-' ends a word: a user's name inside "marjoram-session.scope" or "lab-host-17-backup" is
    // still that name (hiding a little too much beats leaking it).
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
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

bool isHex(char c)
{
    return std::isxdigit(static_cast<unsigned char>(c));
}

bool isAlnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c));
}

/// An IPv4 address ("10.1.2.3") at @p i, not part of a longer dotted number: its length, else 0.
std::size_t matchIpv4(const std::string &s, std::size_t i)
{
    if (i > 0 && (isAlnum(s[i - 1]) || s[i - 1] == '.'))
        return 0;
    std::size_t p = i;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (p >= s.size() || s[p] != '.')
                return 0;
            ++p;
        }
        std::size_t start = p;
        int value = 0;
        while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p])) && p - start < 4)
            value = value * 10 + (s[p++] - '0');
        if (p == start || p - start > 3 || value > 255)
            return 0;
    }
    if (p < s.size() && (isAlnum(s[p]) || (s[p] == '.' && p + 1 < s.size() && isAlnum(s[p + 1]))))
        return 0;
    return p - i;
}

/// A MAC address ("02:42:ac:11:00:02") at @p i: its length (17), else 0.
std::size_t matchMac(const std::string &s, std::size_t i)
{
    if (i > 0 && (isAlnum(s[i - 1]) || s[i - 1] == ':'))
        return 0;
    if (i + 17 > s.size())
        return 0;
    for (std::size_t k = 0; k < 17; ++k) {
        const char c = s[i + k];
        if (k % 3 == 2 ? c != ':' : !isHex(c))
            return 0;
    }
    if (i + 17 < s.size() && (isAlnum(s[i + 17]) || s[i + 17] == ':'))
        return 0;
    return 17;
}

/// An IPv6 address ("fd00::1", "2001:db8:0:0:0:0:0:1", "::ffff:10.1.2.3") at @p i: its length,
/// else 0. Clock times ("12:30:45") and C++ scopes ("std::string") are not addresses.
std::size_t matchIpv6(const std::string &s, std::size_t i)
{
    if (i > 0 && (isAlnum(s[i - 1]) || s[i - 1] == ':' || s[i - 1] == '.'))
        return 0;
    std::size_t p = i;
    while (p < s.size() && (isHex(s[p]) || s[p] == ':' || s[p] == '.'))
        ++p;
    // Trailing dots belong to the sentence, not to the address.
    while (p > i && s[p - 1] == '.')
        --p;
    if (p < s.size() && isAlnum(s[p]))
        return 0;
    const std::string tok = s.substr(i, p - i);
    if (std::count(tok.begin(), tok.end(), ':') < 2)
        return 0;
    const auto dbl = tok.find("::");
    if (dbl != std::string::npos && tok.find("::", dbl + 1) != std::string::npos)
        return 0;
    if (tok.find(":::") != std::string::npos)
        return 0;
    std::vector<std::string> groups;
    std::size_t start = 0;
    for (std::size_t k = 0; k <= tok.size(); ++k)
        if (k == tok.size() || tok[k] == ':') {
            groups.push_back(tok.substr(start, k - start));
            start = k + 1;
        }
    int nonEmpty = 0;
    bool hexDigit = false;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string &x = groups[g];
        if (x.empty())
            continue;
        ++nonEmpty;
        if (x.find('.') != std::string::npos) {
            // Only the last group may be an embedded IPv4 address.
            if (g + 1 != groups.size() || matchIpv4(x, 0) != x.size())
                return 0;
            hexDigit = true;
            continue;
        }
        if (x.size() > 4)
            return 0;
        hexDigit = true;
    }
    if (!hexDigit)
        return 0;
    const bool full = dbl == std::string::npos;
    if (full && groups.size() != 8 && !(groups.size() == 7 && groups.back().find('.') != std::string::npos))
        return 0;
    if (!full && nonEmpty > 7)
        return 0;
    return p - i;
}

/// Loopback, unspecified, broadcast and netmasks identify nobody, and a lesson needs them.
bool keepAddress(const std::string &a)
{
    return a.rfind("127.", 0) == 0 || a == "0.0.0.0" || a.rfind("255.", 0) == 0 || a == "::1" || a == "::" ||
           a == "00:00:00:00:00:00" || a == "ff:ff:ff:ff:ff:ff";
}

bool isTokenBreak(char c)
{
    return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == ',' || c == '(' ||
           c == ')' || c == '[' || c == ']' || c == '|' || c == ';' || c == '`';
}

} // namespace

void Redactor::addArgument(const std::string &arg)
{
    // Arguments short or without a letter ("-c", "3600") are too likely to be something else
    // (a pid, a count) elsewhere in the text; the words a lesson is made of stay.
    static const std::set<std::string> keep = {"mnt",    "pid",     "net",  "uts",  "ipc",  "user",
                                               "cgroup", "time",    "host", "root", "none", "true",
                                               "false",  "default", "yes",  "no",   "all"};
    if (arg.size() < 3 || arg.size() > 512 || keep.count(arg))
        return;
    if (std::none_of(arg.begin(), arg.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
        return;
    if (std::any_of(arg.begin(), arg.end(), [](char c) { return isTokenBreak(c); }))
        return; // never met whole as one token; its parts are too generic to hunt for
    m_arguments.insert(arg);
}

void Redactor::sortNames()
{
    std::sort(m_replacements.begin(), m_replacements.end(),
              [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

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
    // Command arguments, wherever they turn up in text (a finding's detail, a title). A word that
    // is also some process's name is not hunted: it names a program, not what it was told.
    std::set<std::string> programs;
    for (const auto &p : s.processes) {
        programs.insert(p.comm);
        if (!p.cmdline.empty())
            programs.insert(programName(p.cmdline.front()));
    }
    for (const auto &p : s.processes)
        for (std::size_t a = 1; a < p.cmdline.size(); ++a)
            if (!programs.count(p.cmdline[a]))
                addArgument(p.cmdline[a]);
    sortNames();
}

void Redactor::learn(const nlohmann::json &doc)
{
    if (doc.is_array()) {
        for (const auto &e : doc)
            learn(e);
        return;
    }
    if (!doc.is_object())
        return;
    // A diff's row {"field": "hostname", "a": NAME, "b": NAME} names hostnames as an inspect
    // document's {"hostname": NAME} does.
    const std::string field =
        doc.contains("field") && doc["field"].is_string() ? doc["field"].get<std::string>() : "";
    const bool hostRow = field == "hostname" || field == "domainname";
    for (const auto &[key, value] : doc.items()) {
        // A comparison names each side's host as {"host": NAME} (a namespace's "host" is a bool).
        const bool hostValue = key == "hostname" || key == "domainname" ||
                               (key == "host" && value.is_string()) ||
                               (hostRow && (key == "a" || key == "b"));
        if (hostValue && value.is_string()) {
            const std::string h = value.get<std::string>();
            // "(none)" is the kernel's empty domain name; a bare container id stays (it is what
            // the picture explains, and the labels carry it anyway).
            const bool containerId = h.size() >= 12 && std::all_of(h.begin(), h.end(), isHex);
            if (h != "(none)" && !containerId) {
                int n = 1;
                for (const auto &r : m_replacements)
                    n += r.second.rfind("hostname", 0) == 0;
                addName(h, "hostname" + std::to_string(n));
                const auto dot = h.find('.');
                if (dot != std::string::npos && dot > 0)
                    addName(h.substr(0, dot), "hostname" + std::to_string(n));
            }
        } else if ((key == "interfaces" || (field == "interfaces" && (key == "a" || key == "b"))) &&
                   value.is_array()) {
            // An inspect document's interfaces ({"name": …}) or a diff's list of names.
            for (const auto &i : value) {
                if (i.is_string())
                    addInterface(i.get<std::string>());
                else if (i.is_object() && i.contains("name") && i["name"].is_string())
                    addInterface(i["name"].get<std::string>());
            }
            learn(value);
        } else if (key == "links" && value.is_object()) {
            for (const auto &[name, link] : value.items())
                addInterface(name);
            learn(value);
        } else if ((key == "dev" || key == "ifname" || key == "interface") && value.is_string()) {
            addInterface(value.get<std::string>());
        } else if (key == "field" && value.is_string() && field.rfind("interface ", 0) == 0) {
            addInterface(field.substr(10)); // a diff's row "interface NAME"
        } else if (key == "cmdline" && value.is_array()) {
            for (std::size_t a = 1; a < value.size(); ++a)
                if (value[a].is_string())
                    addArgument(value[a].get<std::string>());
        } else {
            learn(value);
        }
    }
    sortNames();
}

namespace
{

nlohmann::json redactJson(const Redactor &r, const nlohmann::json &doc, const std::string &key)
{
    if (doc.is_string())
        return r.text(doc.get<std::string>());
    if (doc.is_array()) {
        if (key == "cmdline") {
            // argv: the program name only, as in a redacted snapshot.
            if (doc.empty() || !doc.front().is_string())
                return nlohmann::json::array();
            return nlohmann::json::array({r.text(Redactor::programName(doc.front().get<std::string>()))});
        }
        nlohmann::json out = nlohmann::json::array();
        for (const auto &e : doc)
            out.push_back(redactJson(r, e, key));
        return out;
    }
    if (doc.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto &[k, v] : doc.items())
            out[r.text(k)] = redactJson(r, v, k);
        return out;
    }
    return doc;
}

} // namespace

nlohmann::json Redactor::json(const nlohmann::json &doc) const
{
    Redactor r = *this; // shares the address book: numbers stay the same across documents
    r.learn(doc);
    return redactJson(r, doc, std::string());
}

std::string Redactor::addresses(const std::string &in) const
{
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        const char c = in[i];
        std::size_t len = 0;
        int kind = -1;
        if (isHex(c) || c == ':') {
            if ((len = matchIpv6(in, i)))
                kind = 1;
            else if ((len = matchMac(in, i)))
                kind = 2;
            else if ((len = matchIpv4(in, i)))
                kind = 0;
        }
        if (kind < 0) {
            out += c;
            ++i;
            continue;
        }
        std::string addr = in.substr(i, len);
        i += len;
        if (keepAddress(addr)) {
            out += addr;
            continue;
        }
        std::transform(addr.begin(), addr.end(), addr.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        std::lock_guard<std::mutex> lock(m_book->mutex);
        auto &slot = m_book->placeholders[std::to_string(kind) + addr];
        if (slot.empty()) {
            static const char *const kinds[] = {"IPv4-", "IPv6-", "MAC-"};
            slot = kinds[kind] + std::to_string(++m_book->counts[kind]);
        }
        out += slot;
    }
    return out;
}

std::string Redactor::arguments(const std::string &in) const
{
    if (m_arguments.empty())
        return in;
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size();) {
        if (isTokenBreak(in[i])) {
            out += in[i++];
            continue;
        }
        std::size_t end = i;
        while (end < in.size() && !isTokenBreak(in[end]))
            ++end;
        std::string tok = in.substr(i, end - i);
        // "--token=abc." at the end of a sentence: the dot or colon is the sentence's.
        std::string trail;
        while (!tok.empty() && (tok.back() == '.' || tok.back() == ':') && !m_arguments.count(tok)) {
            trail.insert(trail.begin(), tok.back());
            tok.pop_back();
        }
        out += m_arguments.count(tok) ? std::string("ARG") : tok;
        out += trail;
        i = end;
    }
    return out;
}

std::string Redactor::text(const std::string &in) const
{
    return interfaces(addresses(arguments(names(in))));
}

bool Redactor::isGenericInterface(const std::string &name)
{
    if (name == "lo")
        return true;
    // eth0, eth1, ...: the kernel's default names, the same in every container.
    return name.size() > 3 && name.rfind("eth", 0) == 0 &&
           std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace
{

/// Names container engines and virtualisers generate: they carry container or network ids.
bool isGeneratedInterface(const std::string &t)
{
    auto startsWith = [&](const char *p) { return t.rfind(p, 0) == 0 && t.size() > std::strlen(p); };
    if (t.size() > 15) // IFNAMSIZ - 1: longer words are not interface names
        return false;
    auto tailIsAlnum = [&](std::size_t from) {
        return std::all_of(t.begin() + static_cast<long>(from), t.end(),
                           [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    };
    auto tailHasDigit = [&](std::size_t from) {
        return std::any_of(t.begin() + static_cast<long>(from), t.end(),
                           [](char c) { return c >= '0' && c <= '9'; });
    };
    // Docker's veth + 7 hex, LXC's random suffix, podman's vethN; not the word "vethernet".
    if (startsWith("veth") && tailIsAlnum(4) &&
        (tailHasDigit(4) || (t.size() >= 10 && std::all_of(t.begin() + 4, t.end(), isHex))))
        return true;
    if (startsWith("br-") && t.size() == 15 && std::all_of(t.begin() + 3, t.end(), isHex))
        return true;
    for (const char *p : {"cali", "vxlan", "flannel", "cni", "virbr", "docker", "podman", "lxcbr"})
        if (startsWith(p) && tailIsAlnum(std::strlen(p)) && tailHasDigit(std::strlen(p)))
            return true;
    for (const char *p : {"tap", "tun"})
        if (startsWith(p) && std::all_of(t.begin() + static_cast<long>(std::strlen(p)), t.end(),
                                         [](char c) { return c >= '0' && c <= '9'; }))
            return true;
    return false;
}

bool isIfChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

} // namespace

const std::string &Redactor::AddressBook::interfaceName(const std::string &name)
{
    auto it = interfaces.find(name);
    if (it == interfaces.end())
        it = interfaces.emplace(name, "if" + std::to_string(interfaces.size() + 1)).first;
    return it->second;
}

void Redactor::addInterface(const std::string &name)
{
    if (name.size() < 2 || isGenericInterface(name))
        return;
    std::lock_guard lock(m_book->mutex);
    m_book->learnedInterfaces.insert(name);
    m_book->interfaceName(name);
}

std::string Redactor::interfaces(const std::string &in) const
{
    std::string out;
    out.reserve(in.size());
    std::lock_guard lock(m_book->mutex);
    for (std::size_t i = 0; i < in.size();) {
        if (!isIfChar(in[i])) {
            out += in[i++];
            continue;
        }
        std::size_t end = i;
        while (end < in.size() && isIfChar(in[end]))
            ++end;
        std::string tok = in.substr(i, end - i);
        // A sentence's full stop is not part of the name.
        std::string trail;
        while (!tok.empty() && tok.back() == '.')
            tok.pop_back(), trail += '.';
        if (!isGenericInterface(tok) && (m_book->learnedInterfaces.count(tok) || isGeneratedInterface(tok)))
            out += m_book->interfaceName(tok);
        else
            out += tok;
        out += trail;
        i = end;
    }
    return out;
}

std::string Redactor::names(const std::string &in) const
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
