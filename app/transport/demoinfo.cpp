// SPDX-License-Identifier: GPL-2.0-or-later
#include "app/transport/demoinfo.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace nsviz
{

namespace
{
using nlohmann::json;

QString fromView(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// Lenient readers: a missing or mistyped optional field is its default, as for any document the
// GUI only shows. Only the schema and the pid decide whether the document is a demo at all.
template <typename T> T number(const json &o, const char *key)
{
    const auto it = o.find(key);
    if (it == o.end() || !it->is_number_integer())
        return T{};
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        return std::in_range<T>(u) ? T(u) : T{};
    }
    const auto v = it->get<std::int64_t>();
    return std::in_range<T>(v) ? T(v) : T{};
}

QString text(const json &o, const char *key)
{
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

QStringList texts(const json &o, const char *key)
{
    QStringList out;
    const auto it = o.find(key);
    if (it == o.end() || !it->is_array())
        return out;
    for (const auto &v : *it)
        if (v.is_string())
            out.append(QString::fromStdString(v.get<std::string>()));
    return out;
}
} // namespace

bool DemoInfo::sharesHost(NsType t) const
{
    return shared.contains(fromView(nsTypeName(t)));
}

std::optional<DemoInfo> DemoInfo::fromJson(const json &doc)
{
    if (!doc.is_object() || doc.value("schema", json()) != "nsviz.demo/1")
        return std::nullopt;
    DemoInfo d;
    d.pid = number<int>(doc, "pid");
    if (d.pid <= 1)
        return std::nullopt;
    d.startTime = number<quint64>(doc, "startTime");
    d.hostname = text(doc, "hostname");
    if (const auto ns = doc.find("ns"); ns != doc.end() && ns->is_object())
        for (NsType t : kAllNsTypes)
            d.ns[index(t)] = number<quint64>(*ns, std::string(nsTypeName(t)).c_str());
    d.nsDev = number<quint64>(doc, "nsDev");
    d.shared = texts(doc, "shared");
    d.expiresAtMs = number<qint64>(doc, "expiresAt");
    d.ownerPid = number<int>(doc, "owner");
    d.cgroup = text(doc, "cgroup");
    d.notes = texts(doc, "notes");
    return d;
}

} // namespace nsviz
