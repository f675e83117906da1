// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Redaction for training material: the one rule for what may leave the app. Hostnames, user
// names, command arguments, IP addresses (v4 and v6, so routes too) and MAC addresses are replaced
// in pictures, saved snapshots, inspect/diff/findings documents, Markdown and the clipboard.
// Namespace inodes, pids and container ids stay (they are what the picture explains), and so do
// loopback/unspecified addresses and netmasks (they identify nobody and teach a lot). Interface
// names go too (veth and bridge names carry container and network ids), except "lo" and "ethN".

#include "core/model/model.h"

#include <QString>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace nsviz
{

class Redactor
{
public:
    /// Collects the names to hide from @p s: its hostname, the local names of its uids (for a
    /// snapshot of this host) and user names found in /home/NAME paths.
    explicit Redactor(const Snapshot &s);

    /// @p text with every collected name replaced by its placeholder.
    std::string text(const std::string &text) const;
    QString text(const QString &text) const;
    /// A copy of @p s with names replaced and command lines cut to the program name.
    Snapshot apply(const Snapshot &s) const;
    /// A copy of a JSON document (inspect, diff, findings) with every string passed through
    /// text(), "cmdline" arrays cut to the program name and "hostname"/"domainname" values hidden.
    nlohmann::json json(const nlohmann::json &doc) const;
    /// Learns the hostnames and command lines in an inspect document (a container's own hostname is
    /// not in the snapshot), so that text() hides them wherever else they appear.
    void learn(const nlohmann::json &doc);

    /// Shorthand: Redactor(s).apply(s).
    static Snapshot redacted(const Snapshot &s);
    /// "nginx: worker process" -> "nginx", "/usr/bin/vim" -> "vim".
    static std::string programName(const std::string &argv0);

    const std::vector<std::pair<std::string, std::string>> &replacements() const { return m_replacements; }

    /// @p text with IPv4/IPv6/MAC addresses replaced by "IPv4-N", "IPv6-N", "MAC-N": the same
    /// address gets the same number for the life of this redactor, so a diff still shows what
    /// differs. Public for tests; text() calls it.
    std::string addresses(const std::string &text) const;
    /// @p text with network interface names replaced by "if1", "if2", ...: those learn() met in
    /// documents (interfaces, links, routes' "dev") and the names engines generate (veth…, br-…,
    /// cali…, vxlan…, docker0, virbr…). "lo" and the kernel's own "ethN" stay: every network
    /// namespace has them, so they name nobody and a lesson needs them ("the container's eth0").
    /// Numbered like addresses, so one export calls one interface by one name.
    std::string interfaces(const std::string &text) const;
    /// Whether @p name is kept as it is (see interfaces()).
    static bool isGenericInterface(const std::string &name);
    /// Numbers addresses as @p other does (and shares its list from now on): a redactor rebuilt
    /// for the next snapshot keeps calling the same address IPv4-1.
    void shareAddressesWith(const Redactor &other) { m_book = other.m_book; }

private:
    void addName(const std::string &name, const std::string &placeholder);
    void addArgument(const std::string &arg);
    void addInterface(const std::string &name);
    void sortNames();
    std::string names(const std::string &text) const;
    std::string arguments(const std::string &text) const;
    std::vector<std::pair<std::string, std::string>> m_replacements; ///< longest first
    std::unordered_set<std::string> m_arguments; ///< argv[1..] of every process, whole tokens
    /// Addresses numbered in the order met; shared by copies of this redactor.
    struct AddressBook {
        std::mutex mutex;
        std::map<std::string, std::string> placeholders;
        int counts[3] = {0, 0, 0};
        std::map<std::string, std::string> interfaces; ///< name -> "ifN"
        std::unordered_set<std::string> learnedInterfaces;
        /// The placeholder of @p name, numbered on first sight (the mutex held).
        const std::string &interfaceName(const std::string &name);
    };
    std::shared_ptr<AddressBook> m_book = std::make_shared<AddressBook>();
};

} // namespace nsviz
