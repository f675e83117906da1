// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// What a screen reader sees of the cluster picture: the view is a tree whose items are the
// circles (in reading order) and, inside each, its processes (in pid order), named as the labels
// name them. The items are not widgets, so they get QAccessibleInterface objects of their own,
// created on demand and owned by Qt's accessibility cache (as QAccessibleTable's cells are).

class QAccessibleInterface;

namespace nsviz
{

class ClusterView;

namespace ClusterAccessible
{
/// Registers the factory that gives every ClusterView its interface (once per process).
void install();
/// Tells assistive technology that the keyboard focus (and the selection with it) moved to the
/// view's focused cluster or process.
void notifyFocus(ClusterView *view);
/// Tells assistive technology that the items changed (a snapshot update, another grouping).
void notifyReorder(ClusterView *view);
} // namespace ClusterAccessible

} // namespace nsviz
