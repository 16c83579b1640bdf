// tests/unit/wit/printer_test.cc: the WIT printer: exact output for each construct and the
// print -> resolve -> print fixed point.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "wit/wit.h"

namespace kiln::wit {
namespace {

std::string print_text(std::string_view text) {
  auto r = resolve_sources({{"t.wit", std::string(text)}});
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? print_resolve(*r) : "";
}

// Prints, resolves the output, prints again: the two prints must be equal.
void expect_fixed_point(const std::string& printed) {
  auto again = resolve_sources({{"printed.wit", printed}});
  ASSERT_TRUE(again.ok()) << again.error().to_string() << "\n" << printed;
  EXPECT_EQ(print_resolve(*again), printed);
}

TEST(WitPrinter, InterfaceConstructs) {
  std::string out = print_text(R"(package a:b@1.0.0;
/// The docs.
@since(version = 1.0.0)
interface i {
  f: func(x: u32) -> list<u8, 4>;
  /** Block docs. */
  record r { /// field doc
    a: u32, b: option<string> }
  variant v { x, y(result<_, u8>) }
  enum e { p, q }
  flags fl { read }
  type t = tuple<s8, f32, map<string, char>>;
  resource res {
    constructor(a: u32);
    m: async func() -> future<stream>;
    s: static func() -> result<res>;
  }
  resource plain;
  g: func(a: borrow<res>, b: own<res>, c: error-context);
}
world w {
  import i;
  @unstable(feature = extra)
  export run: func() -> result;
}
)");
  EXPECT_EQ(out, R"(package a:b@1.0.0;

/// The docs.
@since(version = 1.0.0)
interface i {
  /// Block docs.
  record r {
    /// field doc
    a: u32,
    b: option<string>,
  }

  variant v {
    x,
    y(result<_, u8>),
  }

  enum e {
    p,
    q,
  }

  flags fl {
    read,
  }

  type t = tuple<s8, f32, map<string, char>>;

  resource res {
    constructor(a: u32);
    m: async func() -> future<stream>;
    s: static func() -> result<res>;
  }

  resource plain;

  f: func(x: u32) -> list<u8, 4>;

  g: func(a: borrow<res>, b: res, c: error-context);
}

world w {
  import i;

  @unstable(feature = extra)
  export run: func() -> result;
}
)");
  expect_fixed_point(out);
}

TEST(WitPrinter, UsesKeywordsAndNestedPackages) {
  std::string out = print_text(R"(package a:root;
package x:dep@0.1.0 { interface types { type %type = u8; resource %stream; } }
interface %interface {
  use x:dep/types@0.1.0.{%type, %stream as s};
  use x:dep/types@0.1.0.{%type as t2};
  %list: func(%record: %type) -> s;
}
world w {
  import x:dep/types@0.1.0;
  import named: %interface;
  import inl: interface { use %interface.{s}; f: func() -> s; }
  @external-id("a\"b")
  import ext: func();
}
)");
  EXPECT_EQ(out, R"(package a:root;

package x:dep@0.1.0 {
  interface types {
    type %type = u8;

    resource %stream;
  }
}

interface %interface {
  use x:dep/types@0.1.0.{%type, %stream as s, %type as t2};

  %list: func(%record: %type) -> s;
}

world w {
  import x:dep/types@0.1.0;
  import named: %interface;
  import %interface;
  import inl: interface {
    use %interface.{s};

    f: func() -> s;
  }
  @external-id("a\"b")
  import ext: func();
}
)");
  expect_fixed_point(out);
}

TEST(WitPrinter, WorldTypesResourcesAndIncludes) {
  std::string out = print_text(R"(package a:b;
interface i { type t = u8; }
world base { import x: func(); export y: func(); }
world w {
  use i.{t};
  type pair = tuple<t, t>;
  resource thing { constructor(); get: func() -> pair; }
  include base with { x as x2 }
  export z: func(p: borrow<thing>);
}
)");
  EXPECT_EQ(out, R"(package a:b;

interface i {
  type t = u8;
}

world base {
  import x: func();

  export y: func();
}

world w {
  import i;
  use i.{t};
  type pair = tuple<t, t>;
  resource thing {
    constructor();
    get: func() -> pair;
  }
  import x2: func();

  export z: func(p: borrow<thing>);
  export y: func();
}
)");
  expect_fixed_point(out);
}

TEST(WitPrinter, FuzzCorpusRoundTrips) {
  std::filesystem::path dir = std::filesystem::path(KILN_SOURCE_DIR) / "fuzz/corpus/wit";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t resolved = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = resolve_sources({{e.path().filename().string(), ss.str()}});
    if (!r.ok()) continue;  // the corpus holds invalid inputs too
    ++resolved;
    expect_fixed_point(print_resolve(*r));
  }
  EXPECT_GE(resolved, 8u);
}

}  // namespace
}  // namespace kiln::wit
