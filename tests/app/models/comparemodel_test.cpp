// SPDX-License-Identifier: GPL-2.0-or-later
// The compare view's change list: exactly the core's nsviz.compare/1 result, row for row, over the
// fixture pair (a container started, a job ended, a process moved) and over synthetic churn.
#include "app/models/comparemodel.h"
#include "core/inspect/compare.h"
#include "core/protocol/moment.h"
#include "tests/common/syntheticsnapshot.h"

#include <QAbstractItemModelTester>
#include <gtest/gtest.h>
#include <set>
#include <tuple>

using namespace nsviz;
using nlohmann::json;

namespace
{

using Key = std::tuple<std::string, std::string, std::string>; // change, kind, identity

std::set<Key> coreKeys(const json &cmp)
{
    std::set<Key> out;
    for (const char *change : {"appeared", "disappeared", "moved"}) {
        if (cmp["processes"].contains(change))
            for (const auto &p : cmp["processes"][change])
                out.insert({change, "process",
                            std::to_string(p["pid"].get<int>()) + "/" +
                                std::to_string(p["start_time"].get<std::uint64_t>())});
        if (cmp["namespaces"].contains(change))
            for (const auto &n : cmp["namespaces"][change])
                out.insert({change, "namespace",
                            n["type"].get<std::string>() + ":" +
                                std::to_string(n["dev"].get<std::uint64_t>()) + ":" +
                                std::to_string(n["inode"].get<std::uint64_t>())});
    }
    if (cmp["sandboxes"].is_object())
        for (const char *change : {"appeared", "disappeared", "changed"})
            for (const auto &s : cmp["sandboxes"][change])
                out.insert({change, "sandbox", s["id"].get<std::string>()});
    return out;
}

std::set<Key> modelKeys(const CompareModel &m)
{
    std::set<Key> out;
    for (const auto &r : m.rows()) {
        std::string id;
        switch (r.kind) {
        case CompareRow::Kind::Process:
            id = std::to_string(r.pid) + "/" + std::to_string(r.startTime);
            break;
        case CompareRow::Kind::Namespace:
            id = r.nsType.toStdString() + ":" + std::to_string(r.dev) + ":" + std::to_string(r.inode);
            break;
        case CompareRow::Kind::Sandbox:
            id = r.sandboxId.toStdString();
            break;
        }
        out.insert(
            {CompareRow::changeName(r.change).toStdString(), CompareRow::kindName(r.kind).toStdString(), id});
    }
    return out;
}

std::size_t coreCount(const json &cmp)
{
    std::size_t n = 0;
    for (const char *g : {"processes", "namespaces", "sandboxes"})
        if (cmp[g].is_object())
            for (const auto &[k, v] : cmp[g].items())
                n += v.size();
    return n;
}

} // namespace

TEST(CompareModel, FixturePairListsExactlyTheCoreResult)
{
    const Moment a = loadMoment(NSVIZ_TEST_DATA "/snapshots/compare-before.json");
    const Moment b = loadMoment(NSVIZ_TEST_DATA "/snapshots/compare-after.json");
    const json cmp = compareSnapshots(a.snapshot, b.snapshot, a.label, b.label);
    CompareModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setComparison(cmp);
    EXPECT_EQ(static_cast<std::size_t>(model.rowCount()), coreCount(cmp));
    EXPECT_EQ(modelKeys(model), coreKeys(cmp));

    // What the fixture holds, so that the equality above is not two empty sets.
    std::set<int> appeared, gone, moved;
    for (const auto &r : model.rows()) {
        if (r.kind != CompareRow::Kind::Process)
            continue;
        (r.change == CompareRow::Change::Appeared      ? appeared
         : r.change == CompareRow::Change::Disappeared ? gone
                                                       : moved)
            .insert(r.pid);
    }
    EXPECT_EQ(appeared, (std::set<int>{2101, 2120, 2160, 2161, 2162, 2163}));
    EXPECT_EQ(gone, std::set<int>{1400});
    EXPECT_EQ(moved, std::set<int>{4242});
    EXPECT_EQ(cmp["summary"]["namespaces_appeared"], 6); // nginx's mnt, pid, net, uts, ipc, cgroup

    // The table says it in words a class reads: the sign, the change, and the moved link.
    bool sawMove = false;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QString change = model.data(model.index(r, CompareModel::ColChange)).toString();
        const QString item = model.data(model.index(r, CompareModel::ColItem)).toString();
        if (item == QLatin1String("4242 agent")) {
            EXPECT_EQ(change, QStringLiteral("→ moved"));
            EXPECT_TRUE(model.data(model.index(r, CompareModel::ColDetail))
                            .toString()
                            .contains(QStringLiteral("(new)")));
            EXPECT_EQ(model.data(model.index(r, 0), CompareModel::MarkRole).toString(),
                      QStringLiteral("moved"));
            sawMove = true;
        }
    }
    EXPECT_TRUE(sawMove);
    EXPECT_EQ(CompareModel::title(cmp).left(19), QStringLiteral("compare-before.json"));
    EXPECT_TRUE(CompareModel::title(cmp).contains(QStringLiteral(" → compare-after.json (")));

    // The Markdown has one table row per change.
    const QString md = CompareModel::markdown(cmp);
    EXPECT_EQ(md.count(QStringLiteral("\n| ")) - 1, model.rowCount()) << md.toStdString(); // minus the header
}

TEST(CompareModel, SyntheticChurnListsExactlyTheCoreResult)
{
    testkit::SyntheticHost host(5);
    host.setNested(true);
    for (int i = 0; i < 30; ++i)
        host.start(i % 3 == 0);
    const Snapshot a = host.snapshot();
    for (int i = 0; i < 40; ++i)
        host.churn();
    const Snapshot b = host.snapshot();
    const json cmp = compareSnapshots(a, b, "a", "b");
    CompareModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setComparison(cmp);
    ASSERT_GT(coreCount(cmp), 0u);
    EXPECT_EQ(static_cast<std::size_t>(model.rowCount()), coreCount(cmp));
    EXPECT_EQ(modelKeys(model), coreKeys(cmp));
    // Nothing changed: nothing listed.
    model.setComparison(compareSnapshots(b, b, "b", "b"));
    EXPECT_EQ(model.rowCount(), 0);
    // Not a comparison: nothing, no crash.
    model.setComparison(json::array({1, 2}));
    EXPECT_EQ(model.rowCount(), 0);
}
