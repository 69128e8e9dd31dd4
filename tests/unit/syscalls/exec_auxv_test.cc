// The ids written into a new image's auxiliary vector.
#include "exec/exec_auxv.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace cocoon::syscalls {
namespace {

template <typename Word>
std::string vector_of(const std::vector<std::pair<Word, Word>>& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    out.append(reinterpret_cast<const char*>(&k), sizeof k);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return out;
}

template <typename Word>
std::map<Word, Word> pairs_of(const std::string& bytes) {
  std::map<Word, Word> out;
  for (std::size_t at = 0; at + 2 * sizeof(Word) <= bytes.size(); at += 2 * sizeof(Word)) {
    Word k, v;
    std::memcpy(&k, bytes.data() + at, sizeof k);
    std::memcpy(&v, bytes.data() + at + sizeof k, sizeof v);
    out[k] = v;
  }
  return out;
}

TEST(AuxvIds, SixtyFourBitVector) {
  const auto saved = vector_of<std::uint64_t>({{AT_SYSINFO_EHDR, 0x7fff00000000},
                                                {AT_UID, 65534},
                                                {AT_EUID, 65534},
                                                {AT_GID, 65534},
                                                {AT_EGID, 65534},
                                                {AT_SECURE, 0},
                                                {AT_RANDOM, 0x7ffd1234},
                                                {AT_NULL, 0}});
  const auto out = auxv_with_ids(saved, {123, 5, 456, 7, true});
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), saved.size());
  auto got = pairs_of<std::uint64_t>(*out);
  EXPECT_EQ(got[AT_UID], 123u);
  EXPECT_EQ(got[AT_EUID], 5u);
  EXPECT_EQ(got[AT_GID], 456u);
  EXPECT_EQ(got[AT_EGID], 7u);
  EXPECT_EQ(got[AT_SECURE], 1u);
  EXPECT_EQ(got[AT_SYSINFO_EHDR], 0x7fff00000000u);  // the rest untouched
  EXPECT_EQ(got[AT_RANDOM], 0x7ffd1234u);
  // Nothing to change: nothing to write.
  EXPECT_FALSE(auxv_with_ids(saved, {65534, 65534, 65534, 65534, false}));
}

TEST(AuxvIds, CompatVector) {
  const auto saved = vector_of<std::uint32_t>(
      {{AT_SYSINFO, 0xf7f00000}, {AT_UID, 1000}, {AT_EUID, 1000}, {AT_GID, 100},
       {AT_EGID, 100}, {AT_SECURE, 0}, {AT_NULL, 0}});
  const auto out = auxv_with_ids(saved, {0, 0, 0, 0, false});
  ASSERT_TRUE(out);
  auto got = pairs_of<std::uint32_t>(*out);
  EXPECT_EQ(got[AT_UID], 0u);
  EXPECT_EQ(got[AT_EGID], 0u);
  EXPECT_EQ(got[AT_SYSINFO], 0xf7f00000u);
}

TEST(AuxvIds, NotAVector) {
  EXPECT_FALSE(auxv_with_ids("", {1, 1, 1, 1, false}));
  EXPECT_FALSE(auxv_with_ids("garbage", {1, 1, 1, 1, false}));
  // No AT_NULL at the end.
  EXPECT_FALSE(auxv_with_ids(vector_of<std::uint64_t>({{AT_UID, 5}}), {1, 1, 1, 1, false}));
}

}  // namespace
}  // namespace cocoon::syscalls
