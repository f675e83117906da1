// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/model/sandbox.h"

#include <array>
#include <utility>

namespace nsviz
{

namespace
{
constexpr std::array<std::pair<SandboxKind, std::string_view>, 6> kKinds = {{
    {SandboxKind::Container, "container"},
    {SandboxKind::Pod, "pod"},
    {SandboxKind::Service, "service"},
    {SandboxKind::Infrastructure, "infrastructure"},
    {SandboxKind::AppSandbox, "app-sandbox"},
    {SandboxKind::Bare, "bare"},
}};
} // namespace

std::string_view sandboxKindName(SandboxKind kind)
{
    for (const auto &[k, name] : kKinds)
        if (k == kind)
            return name;
    return "bare";
}

std::optional<SandboxKind> sandboxKindFromName(std::string_view name)
{
    for (const auto &[k, n] : kKinds)
        if (n == name)
            return k;
    return std::nullopt;
}

} // namespace nsviz
