// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/panels/demodialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <string>
#include <vector>

namespace nsviz
{

namespace
{
QString fromView(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}
} // namespace

DemoDialog::DemoDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Launch demo container"));
    auto *top = new QVBoxLayout(this);

    auto *intro = new QLabel(tr("Starts a small container (an init and two sleeping processes) on the host's "
                                "file system. Checked types get a fresh namespace; unchecked ones are shared "
                                "with the host."),
                             this);
    intro->setWordWrap(true);
    top->addWidget(intro);

    auto *box = new QGroupBox(tr("Namespaces"), this);
    auto *grid = new QGridLayout(box);
    grid->setColumnStretch(2, 1);
    grid->setHorizontalSpacing(12);
    for (NsType t : kAllNsTypes) {
        int row = int(index(t));
        auto *cb = new QCheckBox(fromView(nsTypeName(t)), box);
        cb->setObjectName(QStringLiteral("fresh_") + fromView(nsTypeName(t)));
        cb->setChecked(true);
        cb->setToolTip(tr("Checked: a fresh %1 namespace. Unchecked: shared with the host.")
                           .arg(fromView(nsTypeName(t))));
        auto *state = new QLabel(box);
        QFont bold = state->font(); // "shared" is shown bold: measure it so
        bold.setBold(true);
        state->setMinimumWidth(QFontMetrics(bold).horizontalAdvance(tr("shared with host")) + 8);
        auto *desc = new QLabel(fromView(nsTypeDescription(t)), box);
        // One line per type: the dialog grows to fit rather than wrapping the explanations.
        desc->setWordWrap(false);
        desc->setForegroundRole(QPalette::PlaceholderText);
        grid->addWidget(cb, row, 0);
        grid->addWidget(state, row, 1);
        grid->addWidget(desc, row, 2);
        m_fresh[index(t)] = cb;
        m_state[index(t)] = state;
        connect(cb, &QCheckBox::toggled, this, &DemoDialog::updateState);
    }
    top->addWidget(box);

    m_netWarning =
        new QLabel(tr("The demo shares the host's network namespace: it sees and can use every host "
                      "interface. The findings panel flags this, which is the risk it demonstrates."),
                   this);
    m_netWarning->setWordWrap(true);
    m_netWarning->setObjectName(QStringLiteral("netWarning"));
    m_netWarning->setStyleSheet(QStringLiteral("QLabel { color: #a15c00; }"));
    top->addWidget(m_netWarning);

    auto *form = new QFormLayout;
    m_hostname = new QLineEdit(this);
    m_hostname->setObjectName(QStringLiteral("hostname"));
    m_hostname->setMaxLength(int(DemoSpec::kMaxHostnameBytes) + 1); // one over, so the error shows
    m_hostname->setClearButtonEnabled(true);
    form->addRow(tr("&Hostname:"), m_hostname);
    m_lifetime = new QSpinBox(this);
    m_lifetime->setObjectName(QStringLiteral("lifetime"));
    m_lifetime->setRange(1, int(DemoSpec::kMaxLifetimeSec / 60));
    m_lifetime->setValue(int(DemoSpec::kDefaultLifetimeSec / 60));
    m_lifetime->setSuffix(tr(" min"));
    m_lifetime->setToolTip(
        tr("The demo ends by itself after this time, when it is stopped, or when nsviz exits."));
    form->addRow(tr("&Ends after:"), m_lifetime);
    top->addLayout(form);
    connect(m_hostname, &QLineEdit::textChanged, this, &DemoDialog::updateState);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b00020; }"));
    top->addWidget(m_error);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto *launch = m_buttons->addButton(tr("&Launch"), QDialogButtonBox::AcceptRole);
    launch->setObjectName(QStringLiteral("launch"));
    launch->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (validationError().isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    top->addWidget(m_buttons);
    updateState();
}

bool DemoDialog::isFresh(NsType t) const
{
    return m_fresh[index(t)]->isChecked();
}
void DemoDialog::setFresh(NsType t, bool fresh)
{
    m_fresh[index(t)]->setChecked(fresh);
}
QString DemoDialog::hostname() const
{
    return m_hostname->text();
}
void DemoDialog::setHostname(const QString &name)
{
    m_hostname->setText(name);
}
int DemoDialog::lifetimeSeconds() const
{
    return m_lifetime->value() * 60;
}
void DemoDialog::setLifetimeMinutes(int minutes)
{
    m_lifetime->setValue(minutes);
}

DemoSpecResult DemoDialog::parse() const
{
    // The helper's own rules (core), on what the user chose.
    std::vector<std::string> shared;
    for (NsType t : kAllNsTypes)
        if (!isFresh(t))
            shared.emplace_back(nsTypeName(t));
    // An empty field means the default name; with uts shared the host's name stays.
    std::optional<std::string> hostname;
    if (isFresh(NsType::Uts) && !m_hostname->text().isEmpty())
        hostname = m_hostname->text().toStdString();
    return demoSpecFromArgs(shared, hostname, lifetimeSeconds());
}

std::optional<DemoSpec> DemoDialog::spec() const
{
    return parse().spec;
}

QString DemoDialog::validationError() const
{
    const auto r = parse();
    return r ? QString() : QString::fromStdString(r.error);
}

void DemoDialog::updateState()
{
    for (NsType t : kAllNsTypes) {
        bool fresh = isFresh(t);
        m_state[index(t)]->setText(fresh ? tr("fresh") : tr("shared with host"));
        m_state[index(t)]->setStyleSheet(
            fresh ? QStringLiteral("QLabel { color: #1b7f3b; }")
                  : QStringLiteral("QLabel { color: #a15c00; font-weight: bold; }"));
    }
    bool utsFresh = isFresh(NsType::Uts);
    m_hostname->setEnabled(utsFresh);
    m_hostname->setPlaceholderText(utsFresh ? tr("nsviz-demo-N (default)")
                                            : tr("the host's (uts is shared)"));
    m_netWarning->setVisible(!isFresh(NsType::Net));
    QString err = validationError();
    m_error->setText(err);
    m_error->setVisible(!err.isEmpty());
    if (auto *launch = m_buttons->findChild<QPushButton *>(QStringLiteral("launch")))
        launch->setEnabled(err.isEmpty());
}

} // namespace nsviz
