// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Redaction for training material: hostnames, user names and command arguments are replaced in
// the picture and in saved snapshots. Namespace inodes, pids and container ids stay (they are what
// the picture explains).

#include "core/model/model.h"

#include <QString>
#include <string>
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

    /// Shorthand: Redactor(s).apply(s).
    static Snapshot redacted(const Snapshot &s);
    /// "nginx: worker process" -> "nginx", "/usr/bin/vim" -> "vim".
    static std::string programName(const std::string &argv0);

    const std::vector<std::pair<std::string, std::string>> &replacements() const { return m_replacements; }

private:
    void addName(const std::string &name, const std::string &placeholder);
    std::vector<std::pair<std::string, std::string>> m_replacements; ///< longest first
};

} // namespace nsviz
