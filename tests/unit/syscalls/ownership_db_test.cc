// The ownership database on disk: a journal that survives a kill at any
// line, stale records dropped by birth time, compaction, one run at a
// time, and fakeroot's save format both ways.
#include "identity/ownership_db.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cocoon::syscalls {
namespace {

namespace fs = std::filesystem;

class DbFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cocoon-db-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
  std::string path_;
};

FileRecord owner(std::uint32_t uid, std::uint32_t gid) {
  FileRecord r;
  r.btime_sec = 100;
  r.btime_nsec = 7;
  r.uid = uid;
  r.gid = gid;
  r.mode = 0100644;
  return r;
}

TEST_F(DbFile, EachChangeIsInTheFileWhenPutReturns) {
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db) << db.error();
  ASSERT_EQ(db->put({1, 2}, owner(12, 34)), 0);
  // Another reader sees it at once (no buffering in cocoon), as a SIGKILL
  // right now would leave it.
  EXPECT_NE(read(path_).find("+ 1 2 100 7 12 34 "), std::string::npos) << read(path_);
  ASSERT_EQ(db->erase({1, 2}), 0);
  EXPECT_NE(read(path_).find("- 1 2\n"), std::string::npos);
}

TEST_F(DbFile, ReplaysTheJournalAndIgnoresATornLastLine) {
  {
    auto db = OwnershipDb::open(path_);
    ASSERT_TRUE(db);
    db->put({1, 2}, owner(1, 1));
    db->put({1, 3}, owner(2, 2));
    db->put({1, 2}, owner(5, 5));
    db->erase({1, 3});
  }
  std::ofstream(path_, std::ios::app) << "+ 1 9 100 7 3";  // a kill mid-write
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(db->size(), 1u);
  const FileRecord* r = db->find({1, 2}, 100, 7);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->uid, 5u);
}

// The run after a crash appends to the journal: its lines must not be
// glued to the torn one, or the run after it cannot load the file.
TEST_F(DbFile, AppendsAfterATornLastLineStillLoad) {
  {
    auto db = OwnershipDb::open(path_);
    ASSERT_TRUE(db);
    db->put({1, 2}, owner(1, 1));
  }
  std::ofstream(path_, std::ios::app) << "+ 1 9 100 7 3";  // a kill mid-write
  {
    auto db = OwnershipDb::open(path_);
    ASSERT_TRUE(db) << db.error();
    ASSERT_EQ(db->put({1, 3}, owner(2, 2)), 0);
  }
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(db->size(), 2u);
  EXPECT_NE(db->find({1, 3}, 100, 7), nullptr);
}

TEST_F(DbFile, ATornHeaderIsWrittenAgain) {
  std::ofstream(path_) << "cocoon-own";  // a kill while creating the file
  {
    auto db = OwnershipDb::open(path_);
    ASSERT_TRUE(db) << db.error();
    ASSERT_EQ(db->put({1, 3}, owner(2, 2)), 0);
  }
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db) << db.error();
  EXPECT_EQ(db->size(), 1u);
}

TEST_F(DbFile, AReusedInodeIsNotTheOldFile) {
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db);
  db->put({1, 2}, owner(12, 34));
  EXPECT_EQ(db->find({1, 2}, 999, 0), nullptr);  // born later: another file
  EXPECT_FALSE(db->contains({1, 2}));            // and the stale record is gone
}

TEST_F(DbFile, CompactRewritesAtomicallyAndKeepsTheLock) {
  auto db = OwnershipDb::open(path_);
  ASSERT_TRUE(db);
  for (int i = 0; i < 10; ++i) db->put({1, 2}, owner(static_cast<std::uint32_t>(i), 0));
  ASSERT_TRUE(db->compact());
  EXPECT_FALSE(fs::exists(path_ + ".tmp"));
  const std::string text = read(path_);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;  // header + one record
  EXPECT_FALSE(OwnershipDb::open(path_)) << "a second run got the lock";
  db->put({1, 3}, owner(1, 1));  // appends go to the new file
  EXPECT_NE(read(path_).find("+ 1 3 "), std::string::npos);
}

TEST_F(DbFile, OneRunAtATime) {
  auto a = OwnershipDb::open(path_);
  ASSERT_TRUE(a);
  auto b = OwnershipDb::open(path_);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().find("in use"), std::string::npos) << b.error();
}

TEST_F(DbFile, RejectsAFileThatIsNotADatabase) {
  std::ofstream(path_) << "hello\n";
  auto db = OwnershipDb::open(path_);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().find(path_), std::string::npos);
  // Not even cut down as a torn write when it has no newline.
  std::ofstream(path_) << "hello";
  EXPECT_FALSE(OwnershipDb::open(path_));
  EXPECT_EQ(read(path_), "hello");
}

// The count FileCreations asks before looking at a new file's directory:
// records of set-group-ID directories, through puts, replacements,
// erasures and a replay of the journal.
TEST_F(DbFile, CountsRecordedSetGroupIdDirectories) {
  FileRecord dir = owner(0, 50);
  dir.mode = S_IFDIR | S_ISGID | 0775;
  FileRecord file = owner(0, 50);
  file.mode = S_IFREG | S_ISGID | 0755;  // a set-group-ID file is not one
  {
    auto db = OwnershipDb::open(path_);
    ASSERT_TRUE(db.has_value()) << db.error();
    EXPECT_EQ(db->put({1, 1}, dir), 0);
    EXPECT_EQ(db->put({1, 2}, file), 0);
    EXPECT_EQ(db->put({1, 3}, dir), 0);
    EXPECT_EQ(db->setgid_dirs(), 2u);
    FileRecord plain = dir;
    plain.mode &= ~S_ISGID;
    EXPECT_EQ(db->put({1, 3}, plain), 0);
    EXPECT_EQ(db->setgid_dirs(), 1u);
    EXPECT_EQ(db->put({1, 4}, dir), 0);
    EXPECT_EQ(db->erase({1, 4}), 0);
    EXPECT_EQ(db->setgid_dirs(), 1u);
  }
  auto again = OwnershipDb::open(path_);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(again->setgid_dirs(), 1u);
}

TEST_F(DbFile, FakerootSaveFormatBothWays) {
  const std::string save = (dir_ / "save").string();
  std::ofstream(save) << "dev=fe00,ino=11075848,mode=20644,uid=0,gid=0,nlink=1,rdev=259\n"
                         "dev=fe00,ino=11075847,mode=104755,uid=12,gid=34,nlink=1,rdev=0\n";
  OwnershipDb db;
  ASSERT_TRUE(db.import_fakeroot(save));
  const FileRecord* dev = db.find({0xfe00, 11075848}, 0, 0);
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->mode, 020644u);
  EXPECT_EQ(dev->rdev, 259u);
  EXPECT_TRUE(dev->mode_faked);
  const std::string out = (dir_ / "out").string();
  ASSERT_TRUE(db.export_fakeroot(out));
  EXPECT_EQ(read(out),
            "dev=fe00,ino=11075847,mode=104755,uid=12,gid=34,nlink=1,rdev=0\n"
            "dev=fe00,ino=11075848,mode=20644,uid=0,gid=0,nlink=1,rdev=259\n");
  std::ofstream(save) << "garbage\n";
  EXPECT_FALSE(db.import_fakeroot(save));
}

}  // namespace
}  // namespace cocoon::syscalls
