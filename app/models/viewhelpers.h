// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Shared look and wording of the tree, table and chart views: one place decides how a namespace is
// named, how "hidden" and "host" look, and which colours work on light and dark palettes.

#include "core/model/model.h"
#include "core/sandbox/sandbox.h"

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QString>

namespace nsviz::views
{

/// "net:[4026531840]", the form the kernel uses in /proc/PID/ns links.
QString nsLabel(NsType type, const NsId &id);
/// "net", "pid", ...
QString typeName(NsType type);
/// The pid of @p p in each pid namespace, outermost first: "6025/146/1". Just the pid when NSpid is unknown.
QString nspidString(const Process &p);
/// argv joined with spaces, or "[comm]" as ps shows kernel threads and unreadable command lines.
QString commandLine(const Process &p);
/// The label of @p p's sandbox in @p s (sandboxLabel(), the one name the CLI uses too), or empty
/// when it is in none.
QString sandboxName(const Snapshot &s, const Process &p);
/// The same through @p sandboxes (a SandboxIndex of @p s), for passes over many processes.
QString sandboxName(const SandboxIndex &sandboxes, const Process &p);

/// No process is in it: found only as a parent/owner, through a bind mount or through an open fd.
bool isHidden(const Namespace &n);
/// How a namespace was found, in words, for tooltips ("held only by a bind mount at /run/netns/blue").
QString foundByText(const Namespace &n);

/// A hue per namespace type, tuned for the palette's lightness so text and dots stay readable.
QColor nsTypeColor(NsType type, const QPalette &palette);
/// Text colour for values that merely repeat the host's (palette-aware grey).
QColor mutedTextColor(const QPalette &palette);
/// Text colour for hidden namespaces: a muted violet that reads on light and dark backgrounds.
QColor hiddenTextColor(const QPalette &palette);
/// Text colour for warnings (host networking in a container): strong, readable on both palettes.
QColor warningTextColor(const QPalette &palette);
/// Background tint for cells that differ from the host.
QColor differsTint(const QPalette &palette);
/// True for dark palettes (window colour darker than its text).
bool isDark(const QPalette &palette);

/// Decorations for tree rows, painted in code so they follow the palette (cached per palette).
enum class NodeIcon { Namespace, HostNamespace, HiddenNamespace, UnknownParent, Process, Group, Warning };
QIcon nodeIcon(NodeIcon kind, NsType type, const QPalette &palette);

} // namespace nsviz::views
