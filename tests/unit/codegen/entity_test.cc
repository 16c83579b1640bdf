// tests/unit/codegen/entity_test.cc: support/entity.h: ids, maps, sets, list pools.
#include "support/entity.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

KILN_ENTITY(Thing, "t");

TEST(Entity, DefaultIsInvalidAndNamesUsePrefix) {
  Thing t;
  EXPECT_FALSE(t.is_valid());
  EXPECT_EQ(entity_name(Thing(7)), "t7");
  EXPECT_EQ(entity_name(t), "<invalid>");
}

TEST(Entity, PrimaryMapPushReturnsSequentialKeys) {
  PrimaryMap<Thing, int> m;
  EXPECT_EQ(m.push(10), Thing(0));
  EXPECT_EQ(m.push(20), Thing(1));
  EXPECT_EQ(m[Thing(1)], 20);
  EXPECT_TRUE(m.is_valid(Thing(1)));
  EXPECT_FALSE(m.is_valid(Thing(2)));
  int n = 0;
  for (Thing k : m.keys()) n += m[k];
  EXPECT_EQ(n, 30);
}

TEST(Entity, SecondaryMapReadsDefaultWithoutGrowing) {
  SecondaryMap<Thing, int> m(-1);
  const auto& cm = m;
  EXPECT_EQ(cm[Thing(100)], -1);
  EXPECT_EQ(m.size(), 0u);
  m[Thing(3)] = 5;
  EXPECT_EQ(m.size(), 4u);
  EXPECT_EQ(cm[Thing(2)], -1);
  EXPECT_EQ(cm[Thing(3)], 5);
}

TEST(Entity, EntitySetInsertReportsNewness) {
  EntitySet<Thing> s;
  EXPECT_TRUE(s.insert(Thing(70)));
  EXPECT_FALSE(s.insert(Thing(70)));
  EXPECT_TRUE(s.contains(Thing(70)));
  EXPECT_FALSE(s.contains(Thing(69)));
  s.erase(Thing(70));
  EXPECT_FALSE(s.contains(Thing(70)));
}

TEST(Entity, ListPoolGrowsRemovesAndReusesBlocks) {
  ListPool<Thing> pool;
  EntityList<Thing> a, b;
  for (uint32_t i = 0; i < 50; ++i) a.push(Thing(i), pool);
  b.push(Thing(99), pool);
  ASSERT_EQ(a.size(pool), 50u);
  for (uint32_t i = 0; i < 50; ++i) EXPECT_EQ(a.get(i, pool), Thing(i));
  EXPECT_EQ(b.get(0, pool), Thing(99));
  a.remove(0, pool);
  EXPECT_EQ(a.size(pool), 49u);
  EXPECT_EQ(a.get(0, pool), Thing(1));
  a.truncate(2, pool);
  EXPECT_EQ(a.size(pool), 2u);
  EntityList<Thing> c = a.deep_clone(pool);
  c.as_mut_slice(pool)[0] = Thing(7);
  EXPECT_EQ(a.get(0, pool), Thing(1));
  EXPECT_EQ(c.get(0, pool), Thing(7));
  a.clear(pool);
  EXPECT_TRUE(a.is_empty());
  EXPECT_EQ(a.size(pool), 0u);
  // A freed block is reused by the next list of that size.
  EntityList<Thing> d;
  d.push(Thing(1), pool);
  d.push(Thing(2), pool);
  EXPECT_EQ(d.size(pool), 2u);
  EXPECT_EQ(b.get(0, pool), Thing(99));
}

}  // namespace
}  // namespace kiln
