// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/cluster/clusterlayout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

namespace nsviz
{

namespace
{

constexpr double kGoldenAngle = 2.399963229728653; // pi * (3 - sqrt(5))
// Vogel's spiral with rho = c*sqrt(k) leaves about 1.8*c between neighbours.
constexpr double kSpiralC = ClusterLayout::kDotSpacing / 1.8;

struct PackCircle {
    double x = 0, y = 0, r = 0;
};

// Front-chain circle packing (Wang et al. 2006, as in d3-hierarchy's packSiblings): places each
// circle tangent to two circles of the current front chain, as close to the centroid as possible.
// Near-linear in practice; big circles first gives a round, dense picture.
void placeTangent(const PackCircle &b, const PackCircle &a, PackCircle &c)
{
    const double dx = b.x - a.x, dy = b.y - a.y, d2 = dx * dx + dy * dy;
    if (d2 > 0) {
        double a2 = a.r + c.r, b2 = b.r + c.r;
        a2 *= a2;
        b2 *= b2;
        if (a2 > b2) {
            const double x = (d2 + b2 - a2) / (2 * d2);
            const double y = std::sqrt(std::max(0.0, b2 / d2 - x * x));
            c.x = b.x - x * dx - y * dy;
            c.y = b.y - x * dy + y * dx;
        } else {
            const double x = (d2 + a2 - b2) / (2 * d2);
            const double y = std::sqrt(std::max(0.0, a2 / d2 - x * x));
            c.x = a.x + x * dx - y * dy;
            c.y = a.y + x * dy + y * dx;
        }
    } else {
        c.x = a.x + c.r;
        c.y = a.y;
    }
}

bool intersects(const PackCircle &a, const PackCircle &b)
{
    const double dr = a.r + b.r - 1e-6, dx = b.x - a.x, dy = b.y - a.y;
    return dr > 0 && dr * dr > dx * dx + dy * dy;
}

void packSiblings(std::vector<PackCircle> &c)
{
    const int n = static_cast<int>(c.size());
    if (n == 0)
        return;
    c[0].x = 0;
    c[0].y = 0;
    if (n == 1)
        return;
    c[0].x = -c[1].r;
    c[1].x = c[0].r;
    c[1].y = 0;
    if (n == 2)
        return;
    placeTangent(c[1], c[0], c[2]);

    // Doubly linked front chain over indices.
    std::vector<int> next(n, -1), prev(n, -1);
    int a = 0, b = 1, cc = 2;
    next[a] = prev[cc] = b;
    next[b] = prev[a] = cc;
    next[cc] = prev[b] = a;

    auto score = [&](int node) {
        const PackCircle &p = c[node], &q = c[next[node]];
        const double ab = p.r + q.r;
        const double dx = (p.x * q.r + q.x * p.r) / ab, dy = (p.y * q.r + q.y * p.r) / ab;
        return dx * dx + dy * dy;
    };

    for (int i = 3; i < n; ++i) {
        placeTangent(c[a], c[b], c[i]);
        int j = next[b], k = prev[a];
        double sj = c[b].r, sk = c[a].r;
        bool retry = false;
        do {
            if (sj <= sk) {
                if (intersects(c[j], c[i])) {
                    b = j;
                    next[a] = b;
                    prev[b] = a;
                    retry = true;
                    break;
                }
                sj += c[j].r;
                j = next[j];
            } else {
                if (intersects(c[k], c[i])) {
                    a = k;
                    next[a] = b;
                    prev[b] = a;
                    retry = true;
                    break;
                }
                sk += c[k].r;
                k = prev[k];
            }
        } while (j != next[k]);
        if (retry) {
            --i;
            continue;
        }
        prev[i] = a;
        next[i] = b;
        next[a] = i;
        prev[b] = i;
        b = i;
        // New closest pair to the centroid.
        double best = score(a);
        for (int node = next[i]; node != b; node = next[node]) {
            const double s = score(node);
            if (s < best) {
                a = node;
                best = s;
            }
        }
        b = next[a];
    }
}

} // namespace

int ClusterLayout::capacityFor(int count)
{
    // Headroom so that a few processes starting in a cluster do not make it grow (and move).
    if (count <= 0)
        return 0;
    return count + std::max(2, static_cast<int>(std::ceil(count * 0.2)));
}

double ClusterLayout::radiusFor(int capacity)
{
    if (capacity <= 0)
        return kPadding + kDotRadius;
    return kSpiralC * std::sqrt(static_cast<double>(capacity - 1)) + kDotRadius + kPadding;
}

void ClusterLayout::slotOffset(int k, double &dx, double &dy)
{
    const double rho = kSpiralC * std::sqrt(static_cast<double>(k));
    const double theta = k * kGoldenAngle;
    dx = rho * std::cos(theta);
    dy = rho * std::sin(theta);
}

const std::pair<float, float> &ClusterLayout::cachedOffset(int k)
{
    while (static_cast<int>(m_offsets.size()) <= k) {
        double dx, dy;
        slotOffset(static_cast<int>(m_offsets.size()), dx, dy);
        m_offsets.emplace_back(static_cast<float>(dx), static_cast<float>(dy));
    }
    return m_offsets[static_cast<std::size_t>(k)];
}

void ClusterLayout::setType(NsType t)
{
    m_type = t;
    clear();
}

void ClusterLayout::clear()
{
    m_slots.clear();
    m_clusters.clear();
    m_dots.clear();
    m_dotOfPid.clear();
    m_bounds = {};
}

void ClusterLayout::packFromScratch(std::vector<std::pair<NsId, double>> &order)
{
    std::vector<PackCircle> circles(order.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        circles[i].r = order[i].second + kGap / 2;
    packSiblings(circles);
    // Centre the picture on the bounding box (the enclosing circle is not needed for drawing).
    double x0 = std::numeric_limits<double>::max(), y0 = x0, x1 = -x0, y1 = -x0;
    for (const auto &c : circles) {
        x0 = std::min(x0, c.x - c.r);
        y0 = std::min(y0, c.y - c.r);
        x1 = std::max(x1, c.x + c.r);
        y1 = std::max(y1, c.y + c.r);
    }
    const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    for (std::size_t i = 0; i < order.size(); ++i) {
        Slot &slot = m_slots[order[i].first];
        slot.x = circles[i].x - cx;
        slot.y = circles[i].y - cy;
        slot.placed = true;
    }
}

void ClusterLayout::placeIncrementally(const NsId &id, Slot &slot)
{
    // Candidate spots touching each existing circle; take the free one nearest the centre of the
    // picture. Existing circles never move.
    std::vector<Circle> others;
    others.reserve(m_slots.size());
    double cx = 0, cy = 0;
    for (const auto &[oid, o] : m_slots) {
        if (oid == id || !o.placed)
            continue;
        others.push_back({o.x, o.y, o.r});
    }
    slot.placed = true;
    if (others.empty()) {
        slot.x = slot.y = 0;
        return;
    }
    double x0 = std::numeric_limits<double>::max(), y0 = x0, x1 = -x0, y1 = -x0;
    for (const auto &o : others) {
        x0 = std::min(x0, o.x - o.r);
        y0 = std::min(y0, o.y - o.r);
        x1 = std::max(x1, o.x + o.r);
        y1 = std::max(y1, o.y + o.r);
    }
    cx = (x0 + x1) / 2;
    cy = (y0 + y1) / 2;
    struct Candidate {
        double d2, x, y;
    };
    std::vector<Candidate> candidates;
    constexpr int kAngles = 24;
    candidates.reserve(others.size() * kAngles);
    for (const auto &o : others) {
        const double dist = o.r + slot.r + kGap;
        for (int i = 0; i < kAngles; ++i) {
            const double a = (2 * M_PI * i) / kAngles;
            const double x = o.x + dist * std::cos(a), y = o.y + dist * std::sin(a);
            candidates.push_back({(x - cx) * (x - cx) + (y - cy) * (y - cy), x, y});
        }
    }
    std::sort(candidates.begin(), candidates.end(), [](auto &a, auto &b) { return a.d2 < b.d2; });
    for (const auto &cand : candidates) {
        bool free = true;
        for (const auto &o : others) {
            const double min = o.r + slot.r + kGap - 1e-6;
            const double dx = cand.x - o.x, dy = cand.y - o.y;
            if (dx * dx + dy * dy < min * min) {
                free = false;
                break;
            }
        }
        if (free) {
            slot.x = cand.x;
            slot.y = cand.y;
            return;
        }
    }
    // Cannot happen (the outermost candidate is always free), but stay defined.
    slot.x = x1 + slot.r + kGap;
    slot.y = cy;
}

ClusterLayout::UpdateStats ClusterLayout::update(const Snapshot &s)
{
    UpdateStats stats;
    const std::size_t ti = index(m_type);
    ++m_pass;

    // Group processes by their namespace of the chosen type: members in process order, clusters in
    // NsId order (the order they are placed and listed in).
    std::vector<std::pair<NsId, std::vector<int>>> groups;
    std::unordered_map<NsId, int, NsIdHash> groupOf;
    groupOf.reserve(m_slots.size() + 16);
    auto membersOf = [&](const NsId &id) -> std::vector<int> & {
        auto [it, inserted] = groupOf.try_emplace(id, static_cast<int>(groups.size()));
        if (inserted)
            groups.emplace_back(id, std::vector<int>());
        return groups[static_cast<std::size_t>(it->second)].second;
    };
    for (std::size_t i = 0; i < s.processes.size(); ++i) {
        const Process &p = s.processes[i];
        membersOf(!p.ns[ti].valid() && p.exited ? kExitedKey : p.ns[ti]).push_back(static_cast<int>(i));
    }
    // Namespaces held without processes (bind mounts, fds, hidden parents) are clusters too.
    std::vector<std::pair<NsId, std::uint8_t>> foundBy; // this type's namespaces: id, FoundBy bits
    for (const auto &n : s.namespaces)
        if (n.type == m_type) {
            membersOf(n.id);
            foundBy.emplace_back(n.id, n.foundBy);
        }
    // Sorted by id now: groupOf's indices no longer hold, it only says which ids have a cluster.
    std::sort(groups.begin(), groups.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::sort(foundBy.begin(), foundBy.end());
    auto foundByOf = [&](const NsId &id) -> std::uint8_t {
        const auto it = std::lower_bound(foundBy.begin(), foundBy.end(), std::pair(id, std::uint8_t(0)));
        return it != foundBy.end() && it->first == id ? it->second : 0;
    };

    // Forget clusters that are gone.
    for (auto it = m_slots.begin(); it != m_slots.end();) {
        if (!groupOf.count(it->first)) {
            it = m_slots.erase(it);
            ++stats.removed;
        } else {
            ++it;
        }
    }

    const bool fresh = m_slots.empty();
    const NsId hostId = s.hostNs[ti];
    std::vector<NsId> toPlace;
    for (auto &[id, members] : groups) {
        const int count = static_cast<int>(members.size());
        auto it = m_slots.find(id);
        if (it != m_slots.end() && count <= it->second.capacity) {
            Slot &slot = it->second;
            // Load left: shrink in place (same centre, so it overlaps nothing) once the cluster needs
            // well under its room. The band between growing (count > capacity, capacity ~1.2x the
            // count when placed) and shrinking (needing < 70 % of the room) keeps a cluster whose
            // count wobbles from changing size on every update.
            const int want = capacityFor(count);
            if (want < slot.capacity * kShrinkBelow) {
                slot.capacity = want;
                slot.r = radiusFor(want);
                slot.compact = true;
                ++stats.shrunk;
            }
            ++stats.kept;
            continue;
        }
        if (it != m_slots.end())
            m_slots.erase(it); // outgrown: re-placed below with room to grow
        Slot &slot = m_slots[id];
        slot.capacity = capacityFor(count);
        slot.r = radiusFor(slot.capacity);
        toPlace.push_back(id);
        ++stats.placed;
    }

    if (fresh) {
        // Host first (it lands in the middle), then by size, so the picture reads from the centre.
        std::vector<std::pair<NsId, double>> order;
        for (const auto &id : toPlace)
            order.emplace_back(id, m_slots[id].r);
        std::stable_sort(order.begin(), order.end(), [&](const auto &a, const auto &b) {
            const bool ha = a.first == hostId && hostId.valid(), hb = b.first == hostId && hostId.valid();
            if (ha != hb)
                return ha;
            return a.second > b.second;
        });
        packFromScratch(order);
    } else {
        for (const auto &id : toPlace)
            placeIncrementally(id, m_slots[id]);
    }

    // Dot slots: a process keeps its slot; newcomers take the lowest free one. Fresh clusters get
    // their members ordered so that alike processes sit together (warnings at the centre).
    m_clusters.clear();
    m_dots.clear();
    m_dots.reserve(s.processes.size());
    std::vector<int> dotOfProc(s.processes.size(), -1);
    std::vector<HostRelation> rel(s.processes.size());
    const SandboxIndex sandboxes(s);
    for (std::size_t i = 0; i < s.processes.size(); ++i)
        rel[i] = hostRelation(s, s.processes[i], sandboxes);

    m_bounds = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max(),
                -std::numeric_limits<double>::max(), -std::numeric_limits<double>::max()};
    // Host cluster first so it is drawn underneath nothing and listed first.
    std::vector<std::size_t> clusterOrder(groups.size());
    std::iota(clusterOrder.begin(), clusterOrder.end(), std::size_t(0));
    std::stable_partition(clusterOrder.begin(), clusterOrder.end(),
                          [&](std::size_t g) { return hostId.valid() && groups[g].first == hostId; });

    std::vector<std::pair<int, int>> bySlot; // (slot, process index)
    std::vector<std::pair<int, DotSlot *>> renumber;
    for (const std::size_t g : clusterOrder) {
        const NsId &id = groups[g].first;
        std::vector<int> &members = groups[g].second;
        Slot &slot = m_slots[id];
        const bool newSlot = slot.dotSlot.empty() && slot.nextSlot == 0;
        // Release slots of processes that left: the ones this update did not find.
        for (int m : members)
            if (auto it = slot.dotSlot.find(s.processes[m].key()); it != slot.dotSlot.end())
                it->second.seen = m_pass;
        for (auto it = slot.dotSlot.begin(); it != slot.dotSlot.end();) {
            if (it->second.seen != m_pass) {
                slot.freeSlots.push_back(it->second.k);
                it = slot.dotSlot.erase(it);
            } else {
                ++it;
            }
        }
        std::sort(slot.freeSlots.begin(), slot.freeSlots.end(), std::greater<>());
        if (slot.compact) {
            // The circle shrank: renumber the dots that stay into the first slots, in their old
            // order, so they fit the smaller circle and keep their places relative to each other.
            renumber.clear();
            for (auto &[key, d] : slot.dotSlot)
                renumber.emplace_back(d.k, &d);
            std::sort(renumber.begin(), renumber.end(),
                      [](const auto &a, const auto &b) { return a.first < b.first; });
            for (std::size_t k = 0; k < renumber.size(); ++k)
                renumber[k].second->k = static_cast<int>(k);
            slot.freeSlots.clear();
            slot.freeSlots.shrink_to_fit();
            slot.nextSlot = static_cast<int>(renumber.size());
            slot.compact = false;
        }
        if (newSlot) {
            // Alike together: by relation to the host, then by container (pid, then mount namespace),
            // so each container's processes form one patch of the spiral.
            std::stable_sort(members.begin(), members.end(), [&](int a, int b) {
                if (rel[a] != rel[b])
                    return rel[a] < rel[b];
                const Process &pa = s.processes[a], &pb = s.processes[b];
                const auto ka = std::tuple(pa.ns[index(NsType::Pid)], pa.ns[index(NsType::Mnt)], pa.pid);
                const auto kb = std::tuple(pb.ns[index(NsType::Pid)], pb.ns[index(NsType::Mnt)], pb.pid);
                return ka < kb;
            });
        }
        bySlot.clear();
        for (int m : members) {
            auto [it, inserted] = slot.dotSlot.try_emplace(s.processes[m].key(), DotSlot{0, m_pass});
            if (inserted) {
                if (!slot.freeSlots.empty()) {
                    it->second.k = slot.freeSlots.back();
                    slot.freeSlots.pop_back();
                } else {
                    it->second.k = slot.nextSlot++;
                }
            }
            bySlot.emplace_back(it->second.k, m);
        }
        std::sort(bySlot.begin(), bySlot.end());

        Cluster c;
        c.id = id;
        c.x = slot.x;
        c.y = slot.y;
        c.r = slot.r;
        c.capacity = slot.capacity;
        c.isHost = hostId.valid() && id == hostId;
        c.exited = id == kExitedKey;
        c.foundBy = foundByOf(id);
        c.firstDot = static_cast<int>(m_dots.size());
        c.members.reserve(bySlot.size());
        const int ci = static_cast<int>(m_clusters.size());
        for (auto [k, m] : bySlot) {
            const auto [dx, dy] = cachedOffset(k);
            Dot d;
            d.x = static_cast<float>(slot.x + dx);
            d.y = static_cast<float>(slot.y + dy);
            d.proc = m;
            d.cluster = ci;
            d.relation = rel[m];
            c.warnings += d.relation == HostRelation::HostNetWarning;
            c.isolated += d.relation == HostRelation::HostNetWarning || d.relation == HostRelation::Isolated;
            dotOfProc[static_cast<std::size_t>(m)] = static_cast<int>(m_dots.size());
            m_dots.push_back(d);
            c.members.push_back(m);
        }
        m_bounds.x0 = std::min(m_bounds.x0, c.x - c.r);
        m_bounds.y0 = std::min(m_bounds.y0, c.y - c.r);
        m_bounds.x1 = std::max(m_bounds.x1, c.x + c.r);
        m_bounds.y1 = std::max(m_bounds.y1, c.y + c.r);
        m_clusters.push_back(std::move(c));
    }
    if (m_clusters.empty())
        m_bounds = {};
    m_dotOfPid.clear();
    m_dotOfPid.reserve(s.processes.size());
    for (std::size_t i = 0; i < s.processes.size(); ++i)
        m_dotOfPid.emplace_back(s.processes[i].pid, dotOfProc[i]);
    if (!std::is_sorted(m_dotOfPid.begin(), m_dotOfPid.end())) // a snapshot that breaks its sort rule
        std::sort(m_dotOfPid.begin(), m_dotOfPid.end());
    return stats;
}

int ClusterLayout::clusterAt(double x, double y) const
{
    int best = -1;
    double bestR = std::numeric_limits<double>::max();
    for (std::size_t i = 0; i < m_clusters.size(); ++i) {
        const auto &c = m_clusters[i];
        const double dx = x - c.x, dy = y - c.y;
        if (dx * dx + dy * dy <= c.r * c.r && c.r < bestR) {
            best = static_cast<int>(i);
            bestR = c.r;
        }
    }
    return best;
}

int ClusterLayout::dotAt(double x, double y, double maxDist) const
{
    const int ci = clusterAt(x, y);
    if (ci < 0)
        return -1;
    const auto &c = m_clusters[ci];
    int best = -1;
    double bestD = maxDist * maxDist;
    for (std::size_t i = 0; i < c.members.size(); ++i) {
        const Dot &d = m_dots[c.firstDot + i];
        const double dx = x - d.x, dy = y - d.y, d2 = dx * dx + dy * dy;
        if (d2 <= bestD) {
            bestD = d2;
            best = c.firstDot + static_cast<int>(i);
        }
    }
    return best;
}

int ClusterLayout::clusterIndex(const NsId &id) const
{
    for (std::size_t i = 0; i < m_clusters.size(); ++i)
        if (m_clusters[i].id == id)
            return static_cast<int>(i);
    return -1;
}

int ClusterLayout::dotOfPid(int pid) const
{
    const auto it = std::lower_bound(m_dotOfPid.begin(), m_dotOfPid.end(), std::pair(pid, -1));
    return it != m_dotOfPid.end() && it->first == pid ? it->second : -1;
}

} // namespace nsviz
