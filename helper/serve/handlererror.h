// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file handlererror.h What a request handler of the serve loop throws to answer with an error frame.

#include <stdexcept>
#include <string>

namespace nsviz::helper
{

/// Thrown by a Server handler: becomes {"type":"error","code":code(),"message":what()}.
/// Use the codes of protocol::err (bad_request, not_found, failed, ...).
class HandlerError : public std::runtime_error
{
public:
    HandlerError(std::string code, const std::string &message)
        : std::runtime_error(message), m_code(std::move(code))
    {
    }
    const std::string &code() const { return m_code; }

private:
    std::string m_code;
};

} // namespace nsviz::helper
