// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file fdlimit.h How many fds the helper may hold open.
///
/// A live helper keeps one mountinfo fd open per cached mount namespace (BindMountCache): a host of
/// a few hundred containers needs more than the common soft limit of 1024 leaves room for. The
/// hard limit is the administrator's; raising the soft one up to it is what every program may do
/// (the helper uses poll(2), never select(2), so fds above 1023 are fine).

namespace nsviz
{

/// Raises the soft RLIMIT_NOFILE to the hard one, at most to @p atMost. Returns the soft limit in
/// force afterwards (unchanged when raising failed or was not needed).
unsigned long raiseFdLimit(unsigned long atMost = 65536);

} // namespace nsviz
