// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// "Launch demo container": which namespace types are fresh or shared with the host, hostname and
// lifetime, with one line per type saying what it isolates. Produces a DemoSpec, validated with the
// same core rules as the helper's, so what the dialog accepts the helper accepts.

#include "core/demo/demospec.h"
#include "core/model/nstype.h"

#include <QDialog>

#include <array>
#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace nsviz
{

class DemoDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DemoDialog(QWidget *parent = nullptr);

    bool isFresh(NsType t) const;
    void setFresh(NsType t, bool fresh);
    QString hostname() const;
    void setHostname(const QString &name);
    int lifetimeSeconds() const;
    void setLifetimeMinutes(int minutes);

    /// The demo as chosen (for HelperClient::demoStart()); nullopt when validationError() says why not.
    std::optional<DemoSpec> spec() const;
    /// Why the current choice would be refused; empty when it is valid (Launch is then enabled).
    QString validationError() const;

private:
    void updateState();
    DemoSpecResult parse() const;

    std::array<QCheckBox *, kNsTypeCount> m_fresh{};
    std::array<QLabel *, kNsTypeCount> m_state{};
    QLineEdit *m_hostname = nullptr;
    QSpinBox *m_lifetime = nullptr;
    QLabel *m_netWarning = nullptr;
    QLabel *m_error = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace nsviz
