// tests/unit/wit/wasi_test.cc: every WASI 0.2.12 package (one folder each, and the bundled
// one-file-per-package form) resolves with the others as dependencies and round-trips through
// the printer; both forms elaborate each world to the same imports and exports.
#include <gtest/gtest.h>

#include <filesystem>

#include "wit/wit.h"

namespace kiln::wit {
namespace {

const char* const kPackages[] = {"io", "clocks", "random", "filesystem", "sockets", "cli", "http"};

std::filesystem::path shared(const char* sub) {
  auto p = std::filesystem::path(KILN_SHARED_DIR) / "wit" / sub;
  // Missing test data must fail the test, never skip it.
  if (!std::filesystem::is_directory(p)) {
    ADD_FAILURE() << "shared WIT data missing: " << p;
  }
  return p;
}

Resolve load(const std::filesystem::path& dir, const char* pkg, const char* ext) {
  auto root = read_package_files(dir / (std::string(pkg) + ext));
  EXPECT_TRUE(root.ok()) << (root.ok() ? "" : root.error().to_string());
  if (!root.ok()) return {};
  std::vector<std::vector<SourceFile>> deps;
  for (const char* other : kPackages) {
    if (std::string_view(other) == pkg) continue;
    auto d = read_package_files(dir / (std::string(other) + ext));
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().to_string());
    if (d.ok()) deps.push_back(std::move(d).value());
  }
  auto r = resolve_sources(*root, deps);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(r).value() : Resolve{};
}

void expect_round_trip(const Resolve& r) {
  std::string printed = print_resolve(r);
  auto again = resolve_sources({{"printed.wit", printed}});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(print_resolve(*again), printed);
  EXPECT_EQ(print_package(*again, again->root), print_package(r, r.root));
  EXPECT_EQ(again->packages.size(), r.packages.size());
}

// "world: import a; import b; export c" per world of the root package, sorted by world name.
std::vector<std::string> world_shapes(const Resolve& r) {
  std::vector<std::string> out;
  for (WorldId id : r.package(r.root).worlds) {
    const World& w = r.world(id);
    std::string s = w.name + ":";
    for (const auto& it : w.imports) s += " import " + (it.name.empty() ? r.interface_path(it.iface) : it.name);
    for (const auto& it : w.exports) s += " export " + (it.name.empty() ? r.interface_path(it.iface) : it.name);
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WitWasi, FoldersResolveAndRoundTrip) {
  auto dir = shared("wasi-0.2.12");
  size_t interfaces = 0;
  for (const char* pkg : kPackages) {
    SCOPED_TRACE(pkg);
    Resolve r = load(dir, pkg, "");
    ASSERT_FALSE(r.packages.empty());
    EXPECT_EQ(r.package(r.root).name.to_string(), "wasi:" + std::string(pkg) + "@0.2.12");
    EXPECT_FALSE(r.package(r.root).interfaces.empty());
    interfaces += r.package(r.root).interfaces.size();
    expect_round_trip(r);
  }
  EXPECT_EQ(interfaces, 32u);  // io 3, clocks 3, random 3, filesystem 2, sockets 7, cli 11, http 3
}

TEST(WitWasi, BundledResolveAndRoundTrip) {
  auto dir = shared("wasi-0.2.12-bundled");
  for (const char* pkg : kPackages) {
    SCOPED_TRACE(pkg);
    Resolve r = load(dir, pkg, ".wit");
    ASSERT_FALSE(r.packages.empty());
    EXPECT_EQ(r.package(r.root).name.to_string(), "wasi:" + std::string(pkg) + "@0.2.12");
    expect_round_trip(r);
  }
}

TEST(WitWasi, FoldersAndBundledElaborateWorldsAlike) {
  auto dir = shared("wasi-0.2.12");
  auto bundled = shared("wasi-0.2.12-bundled");
  for (const char* pkg : kPackages) {
    SCOPED_TRACE(pkg);
    Resolve a = load(dir, pkg, "");
    Resolve b = load(bundled, pkg, ".wit");
    ASSERT_FALSE(a.packages.empty());
    ASSERT_FALSE(b.packages.empty());
    EXPECT_EQ(world_shapes(a), world_shapes(b));
  }
}

TEST(WitWasi, ModelDetails) {
  Resolve r = load(shared("wasi-0.2.12"), "http", "");
  ASSERT_FALSE(r.packages.empty());
  // Dependencies first, the root last.
  EXPECT_EQ(r.packages.front().name.to_string(), "wasi:io@0.2.12");
  EXPECT_EQ(r.packages.back().name.to_string(), "wasi:http@0.2.12");
  auto io = r.find_package(PackageName{"wasi", "io", parse_version("0.2.12")});
  ASSERT_TRUE(io);
  auto streams = r.find_interface(*io, "streams");
  ASSERT_TRUE(streams);
  auto input = r.find_type(*streams, "input-stream");
  ASSERT_TRUE(input);
  EXPECT_EQ(r.type(*input).kind, TypeDefKind::kResource);
  auto types = r.find_interface(r.root, "types");
  ASSERT_TRUE(types);
  auto used = r.find_type(*types, "input-stream");
  ASSERT_TRUE(used);
  EXPECT_TRUE(r.type(*used).from_use);
  EXPECT_EQ(r.unalias(*used), *input);
  auto proxy = r.select_world("proxy");
  ASSERT_TRUE(proxy.ok());
  EXPECT_EQ(r.world(*proxy).exports.size(), 1u);
  EXPECT_EQ(r.interface_path(r.world(*proxy).exports[0].iface), "wasi:http/incoming-handler@0.2.12");
  // @deprecated on `field-key`.
  auto fk = r.find_type(*types, "field-key");
  ASSERT_TRUE(fk);
  ASSERT_TRUE(r.type(*fk).stability.deprecated);
  EXPECT_EQ(r.type(*fk).stability.deprecated->to_string(), "0.2.2");
}

}  // namespace
}  // namespace kiln::wit
