// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/proc/mountinfo.h"

#include "core/proc/procreader.h"

#include <cerrno>
#include <cstdio>
#include <libmount/libmount.h>
#include <memory>

namespace nsviz::procparse
{

namespace
{
struct TableDeleter {
    void operator()(libmnt_table *t) const { mnt_unref_table(t); }
};
struct IterDeleter {
    void operator()(libmnt_iter *i) const { mnt_free_iter(i); }
};
struct FileCloser {
    void operator()(std::FILE *f) const { std::fclose(f); }
};

std::string str(const char *s)
{
    return s ? std::string(s) : std::string();
}
} // namespace

int readMountinfo(const std::string &path, std::vector<MountEntry> &out, bool *truncated,
                  std::size_t maxBytes)
{
    out.clear();
    if (truncated)
        *truncated = false;
    // Read the text ourselves (libmount's parse_file would follow a symlink, block on a FIFO and
    // read without end), then let libmount parse it from memory.
    std::string text;
    int e = ProcReader::readFile(path, text, maxBytes);
    if (e == EFBIG) {
        if (truncated)
            *truncated = true;
        auto eol = text.rfind('\n');
        text.resize(eol == std::string::npos ? 0 : eol + 1);
    } else if (e != 0) {
        return e;
    }
    if (text.empty())
        return 0;
    std::unique_ptr<std::FILE, FileCloser> stream(::fmemopen(text.data(), text.size(), "r"));
    if (!stream)
        return errno ? errno : ENOMEM;
    std::unique_ptr<libmnt_table, TableDeleter> table(mnt_new_table());
    std::unique_ptr<libmnt_iter, IterDeleter> iter(mnt_new_iter(MNT_ITER_FORWARD));
    if (!table || !iter)
        return ENOMEM;
    // Malformed lines are skipped (the callback returns 1 = "ignore") instead of failing the whole file.
    mnt_table_set_parser_errcb(table.get(), [](libmnt_table *, const char *, int) { return 1; });
    int rc = mnt_table_parse_stream(table.get(), stream.get(), path.c_str());
    if (rc < 0)
        return -rc;
    if (rc > 0) // not documented to happen; keep the errno-style contract
        return EIO;
    out.reserve(static_cast<std::size_t>(mnt_table_get_nents(table.get())));
    libmnt_fs *fs = nullptr;
    while (mnt_table_next_fs(table.get(), iter.get(), &fs) == 0) {
        MountEntry m;
        m.id = mnt_fs_get_id(fs);
        m.parent = mnt_fs_get_parent_id(fs);
        m.target = str(mnt_fs_get_target(fs));
        m.root = str(mnt_fs_get_root(fs));
        m.source = str(mnt_fs_get_source(fs));
        m.fstype = str(mnt_fs_get_fstype(fs));
        m.options = str(mnt_fs_get_vfs_options(fs));
        m.superOptions = str(mnt_fs_get_fs_options(fs));
        // Optional fields may hold peer group ids ("shared:5 master:1"); none means private.
        m.propagation = str(mnt_fs_get_optional_fields(fs));
        if (m.propagation.empty())
            m.propagation = "private";
        out.push_back(std::move(m));
    }
    return 0;
}

} // namespace nsviz::procparse
