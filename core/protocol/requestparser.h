// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
/// @file requestparser.h Parses one request line into a typed Request, trusting nothing.

#include "core/protocol/protocol.h"

#include <string>
#include <string_view>
#include <variant>

namespace nsviz::protocol
{

/// Why a request line was refused: becomes an error frame. @p id is the request's id when it could
/// be read, else 0.
struct ParseError {
    std::uint64_t id = 0;
    std::string code;
    std::string message;
};

using ParseResult = std::variant<Request, ParseError>;

/// Parses and validates one request line (without its newline): size, UTF-8, JSON syntax and
/// nesting depth, "v", "id", "type", every field's type and range, and no unknown fields.
/// Never throws.
ParseResult parseRequest(std::string_view line);
/// The same checks on an already parsed document (in-process transports validate like the helper).
ParseResult parseRequestFromJson(const nlohmann::json &j);

} // namespace nsviz::protocol
