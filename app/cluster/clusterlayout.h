// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Circle-packing layout of processes clustered by one namespace type. Plain C++ (no Qt) so the
// render benchmark and the tests can time and check it alone.
//
// Stability is the point: a cluster keeps its position for as long as it exists, and its radius
// while its process count fits its capacity (sized with headroom when placed) and does not fall
// far below it; a process keeps its dot slot inside the cluster. When load leaves, a cluster
// shrinks in place (same centre) and its dots close ranks, so the picture settles back without a
// manual compact step. New clusters go into free space next to the existing ones, so a
// live update never makes the picture jump.

#include "app/models/hostsharing.h"
#include "core/model/model.h"

#include <map>
#include <unordered_map>
#include <vector>

namespace nsviz
{

class ClusterLayout
{
public:
    /// World-unit geometry. Dots sit on a sunflower spiral with about kDotSpacing between them.
    static constexpr double kDotSpacing = 10.0;
    static constexpr double kDotRadius = 3.4;
    static constexpr double kPadding = 9.0; ///< between the outermost dot and the circle
    static constexpr double kGap = 14.0;    ///< between neighbouring circles

    struct Cluster {
        NsId id; ///< invalid (ino 0): processes whose namespace of this type is unreadable
        double x = 0, y = 0, r = 0;
        int capacity = 0;
        std::vector<int> members; ///< indices into Snapshot::processes, in dot order
        int firstDot = 0;         ///< members[i] is dots()[firstDot + i]
        bool isHost = false;
        /// The exited processes (zombies): they have no namespaces left, so id is invalid, but they
        /// are not "unreadable" either and get a cluster of their own (key kExitedKey).
        bool exited = false;
        std::uint8_t foundBy = 0;
        int warnings = 0; ///< members classed HostRelation::HostNetWarning
        int isolated = 0; ///< members that differ from the host in some namespace
    };
    /// The grouping key of the exited processes' cluster: invalid like "unreadable" (ino 0), but
    /// a different key, so zombies are not drawn or named as processes whose namespace is hidden.
    static constexpr NsId kExitedKey{~std::uint64_t(0), 0};

    struct Dot {
        float x = 0, y = 0;
        int proc = 0;    ///< index into Snapshot::processes
        int cluster = 0; ///< index into clusters()
        HostRelation relation = HostRelation::Host;
    };
    struct Bounds {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        bool empty() const { return x1 <= x0 || y1 <= y0; }
    };
    struct UpdateStats {
        int placed = 0; ///< clusters that got a new position (new or outgrown)
        int kept = 0;   ///< clusters that stayed where they were
        int removed = 0;
        int shrunk = 0; ///< clusters that kept their place and got smaller (processes left)
    };

    NsType type() const { return m_type; }
    /// Changes the clustering type; forgets every position.
    void setType(NsType t);
    /// Forgets every position: the next update() packs from scratch (tightly).
    void clear();

    /// Recompute clusters and dots for @p s, keeping existing clusters and dots where they are.
    UpdateStats update(const Snapshot &s);

    const std::vector<Cluster> &clusters() const { return m_clusters; }
    const std::vector<Dot> &dots() const { return m_dots; }
    Bounds bounds() const { return m_bounds; }

    /// Index of the cluster whose circle contains (x, y), or -1.
    int clusterAt(double x, double y) const;
    /// Index of the dot nearest to (x, y) within @p maxDist, or -1.
    int dotAt(double x, double y, double maxDist) const;
    /// Index of the cluster of namespace @p id, or -1.
    int clusterIndex(const NsId &id) const;
    /// Index of the dot of process @p pid, or -1.
    int dotOfPid(int pid) const;

    /// Radius of a cluster with room for @p capacity dots.
    static double radiusFor(int capacity);
    /// Offset of dot slot @p k from its cluster centre.
    static void slotOffset(int k, double &dx, double &dy);

private:
    struct ProcKeyHash {
        std::size_t operator()(const ProcKey &k) const noexcept
        {
            return std::hash<std::uint64_t>()(static_cast<std::uint64_t>(k.pid) * 0x9e3779b97f4a7c15ull ^
                                              k.startTime);
        }
    };
    struct DotSlot {
        int k = 0;              ///< the slot on the spiral
        std::uint32_t seen = 0; ///< the update that last found its process in the cluster
    };
    struct Slot {
        double x = 0, y = 0, r = 0;
        int capacity = 0;
        std::unordered_map<ProcKey, DotSlot, ProcKeyHash> dotSlot;
        std::vector<int> freeSlots; ///< kept sorted descending so back() is the lowest
        int nextSlot = 0;
        bool placed = false;  ///< has a position (clusters are placed one after another)
        bool compact = false; ///< shrank this update: renumber its dots into the smaller circle
    };
    /// A cluster shrinks when the room its processes need falls below this share of its room.
    static constexpr double kShrinkBelow = 0.7;
    struct Circle {
        double x = 0, y = 0, r = 0;
    };

    static int capacityFor(int count);
    void packFromScratch(std::vector<std::pair<NsId, double>> &order);
    void placeIncrementally(const NsId &id, Slot &slot);

    /// slotOffset() for slots 0..n-1, grown on demand (sin/cos per dot per update add up at 50k).
    const std::pair<float, float> &cachedOffset(int k);
    std::vector<std::pair<float, float>> m_offsets;

    NsType m_type = NsType::Net;
    std::map<NsId, Slot> m_slots;
    std::vector<Cluster> m_clusters;
    std::vector<Dot> m_dots;
    /// (pid, dot), sorted by pid: the snapshot's processes are, so it is built in order.
    std::vector<std::pair<int, int>> m_dotOfPid;
    std::uint32_t m_pass = 0; ///< counts update()s, for DotSlot::seen
    Bounds m_bounds;
};

} // namespace nsviz
