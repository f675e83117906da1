// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/demodialog.h"
#include "core/demo/demospec.h"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace nsviz;

namespace
{
QPushButton *launchButton(DemoDialog &d)
{
    return d.findChild<QPushButton *>(QStringLiteral("launch"));
}

/// The spec as the helper will see it: sent as request args, parsed by the helper's own parser.
DemoSpecResult helperView(const DemoDialog &d)
{
    const auto spec = d.spec();
    if (!spec)
        return {std::nullopt, d.validationError().toStdString()};
    return demoSpecFromJson(demoSpecToJson(*spec));
}
} // namespace

TEST(DemoDialog, DefaultsAllFreshOneHour)
{
    DemoDialog d;
    for (NsType t : kAllNsTypes)
        EXPECT_TRUE(d.isFresh(t));
    EXPECT_TRUE(d.validationError().isEmpty());
    ASSERT_NE(launchButton(d), nullptr);
    EXPECT_TRUE(launchButton(d)->isEnabled());
    auto spec = helperView(d);
    ASSERT_TRUE(spec) << spec.error;
    EXPECT_EQ(spec.spec->cloneFlags(), DemoSpec{}.cloneFlags());
    EXPECT_TRUE(spec.spec->sharedNames().empty());
    EXPECT_TRUE(spec.spec->hostname.empty());
    EXPECT_EQ(spec.spec->lifetimeSec, 3600u);
    EXPECT_FALSE(d.findChild<QLabel *>(QStringLiteral("netWarning"))->isVisibleTo(&d));
}

TEST(DemoDialog, OneLinePerTypeSaysWhatItIsolates)
{
    DemoDialog d;
    auto labels = d.findChildren<QLabel *>();
    for (NsType t : kAllNsTypes) {
        auto desc = QString::fromUtf8(nsTypeDescription(t).data(), qsizetype(nsTypeDescription(t).size()));
        bool found = std::any_of(labels.begin(), labels.end(), [&](QLabel *l) { return l->text() == desc; });
        EXPECT_TRUE(found) << nsTypeName(t);
        auto *cb =
            d.findChild<QCheckBox *>(QStringLiteral("fresh_") + QString::fromLatin1(nsTypeName(t).data()));
        ASSERT_NE(cb, nullptr) << nsTypeName(t);
    }
}

TEST(DemoDialog, SharingHostNetworkWarnsAndIsInTheRequest)
{
    DemoDialog d;
    d.findChild<QCheckBox *>(QStringLiteral("fresh_net"))->setChecked(false);
    EXPECT_FALSE(d.isFresh(NsType::Net));
    EXPECT_TRUE(d.findChild<QLabel *>(QStringLiteral("netWarning"))->isVisibleTo(&d));
    auto spec = helperView(d);
    ASSERT_TRUE(spec) << spec.error;
    EXPECT_EQ(spec.spec->sharedNames(), std::vector<std::string>{"net"});
    EXPECT_FALSE(spec.spec->isFresh(NsType::Net));
    EXPECT_TRUE(spec.spec->isFresh(NsType::Pid));
}

TEST(DemoDialog, HostnameValidatedWithTheHelpersRules)
{
    DemoDialog d;
    auto *edit = d.findChild<QLineEdit *>(QStringLiteral("hostname"));
    ASSERT_NE(edit, nullptr);
    edit->setText(QStringLiteral("a/b"));
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("'/'")), -1) << d.validationError().toStdString();
    EXPECT_FALSE(launchButton(d)->isEnabled());
    EXPECT_TRUE(d.findChild<QLabel *>(QStringLiteral("error"))->isVisibleTo(&d));
    edit->setText(QString(65, QLatin1Char('a')));
    EXPECT_FALSE(d.validationError().isEmpty());
    EXPECT_FALSE(launchButton(d)->isEnabled());
    edit->setText(QStringLiteral("web1"));
    EXPECT_TRUE(d.validationError().isEmpty());
    EXPECT_TRUE(launchButton(d)->isEnabled());
    auto spec = helperView(d);
    ASSERT_TRUE(spec) << spec.error;
    EXPECT_EQ(spec.spec->hostname, "web1");
}

TEST(DemoDialog, SharedUtsMeansNoHostname)
{
    DemoDialog d;
    d.setHostname(QStringLiteral("web1"));
    d.setFresh(NsType::Uts, false);
    EXPECT_FALSE(d.findChild<QLineEdit *>(QStringLiteral("hostname"))->isEnabled());
    EXPECT_TRUE(d.validationError().isEmpty());
    auto spec = helperView(d);
    ASSERT_TRUE(spec) << spec.error;
    EXPECT_TRUE(spec.spec->hostname.empty()); // the host's name stays
}

TEST(DemoDialog, NothingFreshIsRefused)
{
    DemoDialog d;
    for (NsType t : kAllNsTypes)
        d.setFresh(t, false);
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("at least one")), -1);
    EXPECT_FALSE(d.spec());
    EXPECT_FALSE(launchButton(d)->isEnabled());
    d.setFresh(NsType::Pid, true);
    EXPECT_TRUE(launchButton(d)->isEnabled());
}

TEST(DemoDialog, LifetimeInMinutes)
{
    DemoDialog d;
    d.setLifetimeMinutes(5);
    EXPECT_EQ(d.lifetimeSeconds(), 300);
    ASSERT_TRUE(d.spec());
    EXPECT_EQ(d.spec()->lifetimeSec, 300u);
    d.setLifetimeMinutes(100000); // clamped by the spin box to the helper's maximum
    EXPECT_EQ(d.lifetimeSeconds(), int(DemoSpec::kMaxLifetimeSec));
    EXPECT_TRUE(helperView(d));
}

TEST(DemoDialog, RendersToPng)
{
    DemoDialog d;
    d.setFresh(NsType::Net, false);
    d.setHostname(QStringLiteral("web1"));
    d.adjustSize();
    QImage img = d.grab().toImage();
    ASSERT_FALSE(img.isNull());
    EXPECT_GT(img.width(), 300);
    EXPECT_GT(img.height(), 300);
    QString out = qEnvironmentVariable("NSVIZ_DEMO_DIALOG_PNG");
    if (out.isEmpty())
        out = QString::fromStdString(::testing::TempDir()) + QStringLiteral("nsviz-demo-dialog.png");
    EXPECT_TRUE(img.save(out)) << out.toStdString();
}
