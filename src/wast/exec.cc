// wast/exec.cc: the executor of .wast commands over the runtime's embedding API.
#include "wast/exec.h"

#include <map>
#include <optional>

#include "runtime/linker.h"
#include "runtime/module.h"
#include "runtime/store.h"
#include "wast/runner.h"
#include "wast/spectest.h"

namespace kiln::wast {

using runtime::Val;
using wat::Command;
using wat::Pattern;
using wat::Value;

namespace {

// A module of the script by id: compiled (maybe), instantiated (maybe), or unavailable with
// the reason every command that uses it is skipped.
struct Entry {
  std::optional<runtime::Module> module;
  std::optional<runtime::Instance> instance;
  std::string unavailable;  // non-empty: skip commands that use it, with this reason
  bool failed = false;      // the module failed to compile or instantiate: fail users
};

bool is_nan32(uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x007FFFFFu) != 0; }
bool is_nan64(uint64_t b) {
  return (b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0x000FFFFFFFFFFFFFull) != 0;
}
bool canonical32(uint32_t b) { return (b & 0x7FFFFFFFu) == 0x7FC00000u; }
bool canonical64(uint64_t b) { return (b & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull; }
bool arithmetic32(uint32_t b) { return is_nan32(b) && (b & 0x00400000u) != 0; }
bool arithmetic64(uint64_t b) { return is_nan64(b) && (b & 0x0008000000000000ull) != 0; }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

struct Executor::Impl {
  explicit Impl(const ExecOptions& o)
      : options(o), engine(make_config(o)), store(engine) {
    linker.allow_shadowing(true);
    SpectestOptions so;
    so.print_to = o.print_to;
    so.shared_memory = o.features.threads;
    Expected<void> r = define_spectest(linker, store, so);
    if (!r) spectest_error = r.error().message();
  }

  static runtime::Config make_config(const ExecOptions& o) {
    runtime::Config c;
    c.features = o.features;
    c.opt_level = o.opt_level;
    c.target_features = o.target_features;
    c.tunables.nan_canonicalization = o.nan_canonicalization;
    return c;
  }

  ExecOptions options;
  runtime::Engine engine;
  runtime::Store store;
  runtime::Linker linker;
  std::string spectest_error;
  std::map<std::string, Entry> named;
  Entry current;                                  // the last module
  bool has_current = false;
  std::map<std::string, std::string> unavailable_registrations;  // name -> reason
  std::map<uint32_t, const void*> externrefs;                    // (ref.extern N) -> box

  const void* externref(uint32_t n) {
    auto it = externrefs.find(n);
    if (it != externrefs.end()) return it->second;
    const void* p = store.externref(n);
    externrefs.emplace(n, p);
    return p;
  }

  void set_current(const std::optional<std::string>& id, Entry e) {
    if (id) named[*id] = e;
    current = std::move(e);
    has_current = true;
  }

  // A script module -> compiled Module, or the outcome that ends the command.
  std::variant<runtime::Module, ExecOutcome> compile(wasm::Module validated) {
    if (!spectest_error.empty()) return ExecOutcome::failed("spectest module: " + spectest_error);
    Expected<runtime::Module> m = runtime::Module::from_validated(engine, std::move(validated));
    if (!m) {
      if (runtime::Module::is_unsupported(m.error())) return ExecOutcome::skipped(m.error().message());
      return ExecOutcome::failed("module does not compile: " + m.error().to_string());
    }
    return std::move(*m);
  }

  // An import from a registered module that could not be run: instantiation cannot be tried.
  std::optional<std::string> depends_on_unavailable(const runtime::Module& m) {
    for (const wasm::Import& imp : m.wasm().imports) {
      auto it = unavailable_registrations.find(imp.module);
      if (it != unavailable_registrations.end()) {
        return "imports from \"" + imp.module + "\", which could not run (" + it->second + ")";
      }
    }
    return std::nullopt;
  }

  std::variant<Entry*, ExecOutcome> target(const std::optional<std::string>& id) {
    Entry* e = nullptr;
    if (id) {
      auto it = named.find(*id);
      if (it == named.end()) return ExecOutcome::failed("unknown module $" + *id);
      e = &it->second;
    } else {
      if (!has_current) return ExecOutcome::failed("no module to act on");
      e = &current;
    }
    if (!e->unavailable.empty()) return ExecOutcome::skipped(e->unavailable);
    if (e->failed) return ExecOutcome::failed("the module failed to instantiate");
    if (!e->instance) return ExecOutcome::failed("the module is a definition, not an instance");
    return e;
  }

  // A script value -> Val; nullopt (with `why`) for values the runtime cannot express yet.
  std::optional<Val> to_val(const Value& v, std::string& why) {
    switch (v.type) {
      case Value::Type::kI32:
        return Val::i32(static_cast<int32_t>(static_cast<uint32_t>(v.bits)));
      case Value::Type::kI64:
        return Val::i64(static_cast<int64_t>(v.bits));
      case Value::Type::kF32:
        return Val::f32_bits(static_cast<uint32_t>(v.bits));
      case Value::Type::kF64:
        return Val::f64_bits(v.bits);
      case Value::Type::kV128:
        return Val::v128(v.v128);
      case Value::Type::kRef:
        switch (v.ref) {
          case Value::RefKind::kNull:
            return Val::ref(wasm::ValType::ref(v.null_heap, true), nullptr);
          case Value::RefKind::kExtern:
            return Val::externref(externref(v.ref_index));
          case Value::RefKind::kHost:
            why = "host references (ref.host) need GC support";
            return std::nullopt;
        }
        break;
      case Value::Type::kComponent:
        why = "component values";
        return std::nullopt;
    }
    why = "unknown value kind";
    return std::nullopt;
  }

  // Whether `r` matches `p`; nullopt (with `why`) when the pattern needs a missing feature.
  std::optional<bool> matches(const Val& r, const Pattern& p, std::string& why) {
    using K = Pattern::Kind;
    const wasm::ValKind rk = r.type().kind;
    switch (p.kind) {
      case K::kExact:
        switch (p.value.type) {
          case Value::Type::kI32:
            return rk == wasm::ValKind::kI32 && static_cast<uint32_t>(r.i32()) == static_cast<uint32_t>(p.value.bits);
          case Value::Type::kI64:
            return rk == wasm::ValKind::kI64 && static_cast<uint64_t>(r.i64()) == p.value.bits;
          case Value::Type::kF32:
            return rk == wasm::ValKind::kF32 && r.f32_bits() == static_cast<uint32_t>(p.value.bits);
          case Value::Type::kF64:
            return rk == wasm::ValKind::kF64 && r.f64_bits() == p.value.bits;
          case Value::Type::kV128:
            return rk == wasm::ValKind::kV128 && r.v128() == p.value.v128;
          case Value::Type::kRef:
            if (!r.type().is_ref()) return false;
            if (p.value.ref == Value::RefKind::kNull) return r.is_null_ref();
            if (p.value.ref == Value::RefKind::kExtern) return r.ref_ptr() == externref(p.value.ref_index);
            why = "host references (ref.host) need GC support";
            return std::nullopt;
          case Value::Type::kComponent:
            why = "component values";
            return std::nullopt;
        }
        return false;
      case K::kNanCanonical:
        if (p.value.type == Value::Type::kF32) return rk == wasm::ValKind::kF32 && canonical32(r.f32_bits());
        return rk == wasm::ValKind::kF64 && canonical64(r.f64_bits());
      case K::kNanArithmetic:
        if (p.value.type == Value::Type::kF32) return rk == wasm::ValKind::kF32 && arithmetic32(r.f32_bits());
        return rk == wasm::ValKind::kF64 && arithmetic64(r.f64_bits());
      case K::kV128Lanes:
        return lanes_match(r, p);
      case K::kRefNull:
        return r.type().is_ref() && r.is_null_ref();
      case K::kRefExternAny:
      case K::kRefFuncAny:
      case K::kRefNonNull:
        return r.type().is_ref() && !r.is_null_ref();
      case K::kRefStruct:
      case K::kRefArray:
      case K::kRefI31:
      case K::kRefEq:
      case K::kRefAny:
      case K::kRefExn:
        why = "GC and exception reference patterns";
        return std::nullopt;
      case K::kEither:
        for (const Pattern& alt : p.alternatives) {
          std::optional<bool> m = matches(r, alt, why);
          if (!m) return std::nullopt;
          if (*m) return true;
        }
        return false;
    }
    return false;
  }

  static bool lanes_match(const Val& r, const Pattern& p) {
    if (r.type().kind != wasm::ValKind::kV128) return false;
    const auto& b = r.v128();
    size_t n = p.lanes.size();
    if (n == 0 || 16 % n != 0) return false;
    size_t width = 16 / n;
    for (size_t i = 0; i < n; ++i) {
      uint64_t lane = 0;
      std::memcpy(&lane, b.data() + i * width, width);
      const Pattern& lp = p.lanes[i];
      bool f32 = p.shape == "f32x4", f64 = p.shape == "f64x2";
      switch (lp.kind) {
        case Pattern::Kind::kNanCanonical:
          if (!(f32 ? canonical32(static_cast<uint32_t>(lane)) : f64 && canonical64(lane))) return false;
          break;
        case Pattern::Kind::kNanArithmetic:
          if (!(f32 ? arithmetic32(static_cast<uint32_t>(lane)) : f64 && arithmetic64(lane))) return false;
          break;
        default: {
          uint64_t mask = width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
          if ((lane & mask) != (lp.value.bits & mask)) return false;
        }
      }
    }
    return true;
  }

  struct ActionResult {
    std::optional<ExecOutcome> outcome;  // set: the action could not run (skip / fail)
    bool trapped = false;
    runtime::Trap trap;
    std::vector<Val> results;
  };

  ActionResult run_action(const wat::Action& a) {
    ActionResult out;
    auto t = target(a.module_id);
    if (auto* o = std::get_if<ExecOutcome>(&t)) {
      out.outcome = *o;
      return out;
    }
    Entry* e = std::get<Entry*>(t);
    if (a.kind == wat::Action::Kind::kGet) {
      std::optional<runtime::Global> g = e->instance->get_global(a.name);
      if (!g) {
        out.outcome = ExecOutcome::failed("no global export \"" + a.name + "\"");
        return out;
      }
      out.results.push_back(g->get());
      return out;
    }
    std::optional<runtime::Func> f = e->instance->get_func(a.name);
    if (!f) {
      out.outcome = ExecOutcome::failed("no function export \"" + a.name + "\"");
      return out;
    }
    std::vector<Val> args;
    for (const Value& v : a.args) {
      std::string why;
      std::optional<Val> val = to_val(v, why);
      if (!val) {
        out.outcome = ExecOutcome::skipped(why);
        return out;
      }
      args.push_back(*val);
    }
    Expected<std::vector<Val>> r = f->call(args, &out.trap);
    if (r) {
      out.results = std::move(*r);
      return out;
    }
    if (out.trap.message.empty()) {
      // Not a trap: the call could not be made (a trampoline the compiler cannot build, ...).
      if (runtime::Module::is_unsupported(r.error())) {
        out.outcome = ExecOutcome::skipped(r.error().message());
      } else {
        out.outcome = ExecOutcome::failed("call failed: " + r.error().to_string());
      }
      return out;
    }
    out.trapped = true;
    return out;
  }

  ExecOutcome expect_trap(const ActionResult& r, const std::string& expected) {
    if (r.outcome) return *r.outcome;
    if (!r.trapped) return ExecOutcome::failed("expected trap \"" + expected + "\", but the call returned");
    // The reference interpreter appends details to some messages ("uninitialized element 2").
    bool detail = expected.size() > r.trap.message.size() && expected.starts_with(r.trap.message + " ");
    if (!message_matches(r.trap.message, expected) && !detail) {
      return ExecOutcome::failed("expected trap \"" + expected + "\", got \"" + r.trap.message + "\"");
    }
    return ExecOutcome::passed();
  }

  ExecOutcome instantiate_entry(const wat::Command& cmd, runtime::Module m, Entry& e, Expected<void>* err,
                                runtime::Trap* trap) {
    e.module = m;
    if (std::optional<std::string> why = depends_on_unavailable(m)) {
      e.unavailable = *why;
      return ExecOutcome::skipped(*why);
    }
    Expected<runtime::Instance> inst = linker.instantiate(store, m, trap);
    if (!inst) {
      if (runtime::Module::is_unsupported(inst.error())) {
        e.unavailable = inst.error().message();
        return ExecOutcome::skipped(e.unavailable);
      }
      e.failed = true;
      *err = inst.error();
      return ExecOutcome::failed(std::string(command_name(cmd.kind)) + ": instantiation failed: " +
                                 inst.error().message());
    }
    e.instance = *inst;
    return ExecOutcome::passed();
  }
};

Executor::Executor(const ExecOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Executor::~Executor() = default;

ExecOutcome Executor::module(const Command& cmd, wasm::Module validated) {
  Entry e;
  auto c = impl_->compile(std::move(validated));
  if (auto* o = std::get_if<ExecOutcome>(&c)) {
    if (o->kind == ExecOutcome::Kind::kSkipped) {
      e.unavailable = o->detail;
    } else {
      e.failed = true;
    }
    impl_->set_current(cmd.module.id, e);
    return *o;
  }
  runtime::Module m = std::get<runtime::Module>(std::move(c));
  if (cmd.module.is_definition) {
    e.module = m;
    if (cmd.module.id) impl_->named[*cmd.module.id] = e;
    return ExecOutcome::passed();
  }
  Expected<void> err;
  ExecOutcome o = impl_->instantiate_entry(cmd, m, e, &err, nullptr);
  if (impl_->options.register_named_modules && cmd.module.id && e.instance) {
    Expected<void> r = impl_->linker.define_instance(*cmd.module.id, *e.instance);
    if (!r) return ExecOutcome::failed("register $" + *cmd.module.id + ": " + r.error().message());
  }
  impl_->set_current(cmd.module.id, e);
  return o;
}

ExecOutcome Executor::module_instance(const Command& cmd) {
  if (!cmd.ref_id) return ExecOutcome::failed("module instance without a module");
  auto it = impl_->named.find(*cmd.ref_id);
  if (it == impl_->named.end()) return ExecOutcome::failed("unknown module $" + *cmd.ref_id);
  Entry src = it->second;
  if (!src.unavailable.empty()) {
    Entry e;
    e.unavailable = src.unavailable;
    impl_->set_current(cmd.name.empty() ? std::nullopt : std::optional<std::string>(cmd.name), e);
    return ExecOutcome::skipped(src.unavailable);
  }
  if (!src.module) return ExecOutcome::failed("module $" + *cmd.ref_id + " did not compile");
  Entry e;
  Expected<void> err;
  ExecOutcome o = impl_->instantiate_entry(cmd, *src.module, e, &err, nullptr);
  impl_->set_current(cmd.name.empty() ? std::nullopt : std::optional<std::string>(cmd.name), e);
  return o;
}

ExecOutcome Executor::register_module(const Command& cmd) {
  Entry* e = nullptr;
  if (cmd.ref_id) {
    auto it = impl_->named.find(*cmd.ref_id);
    if (it == impl_->named.end()) return ExecOutcome::failed("unknown module $" + *cmd.ref_id);
    e = &it->second;
  } else if (impl_->has_current) {
    e = &impl_->current;
  } else {
    return ExecOutcome::failed("register without a module");
  }
  if (!e->unavailable.empty()) {
    impl_->unavailable_registrations[cmd.name] = e->unavailable;
    return ExecOutcome::skipped(e->unavailable);
  }
  if (!e->instance) {
    impl_->unavailable_registrations[cmd.name] = "its module failed";
    return ExecOutcome::failed("register: the module has no instance");
  }
  impl_->unavailable_registrations.erase(cmd.name);
  Expected<void> r = impl_->linker.define_instance(cmd.name, *e->instance);
  if (!r) return ExecOutcome::failed("register: " + r.error().message());
  return ExecOutcome::passed();
}

ExecOutcome Executor::action(const Command& cmd) {
  Impl::ActionResult r = impl_->run_action(cmd.action);
  switch (cmd.kind) {
    case Command::Kind::kAssertTrap:
      return impl_->expect_trap(r, cmd.message);
    case Command::Kind::kAssertExhaustion:
      return impl_->expect_trap(r, cmd.message);
    case Command::Kind::kAction:
      if (r.outcome) return *r.outcome;
      if (r.trapped) return ExecOutcome::failed("trapped: " + r.trap.message);
      return ExecOutcome::passed();
    case Command::Kind::kAssertReturn: {
      if (r.outcome) return *r.outcome;
      if (r.trapped) return ExecOutcome::failed("expected a return, got trap \"" + r.trap.message + "\"");
      if (r.results.size() != cmd.expected.size()) {
        return ExecOutcome::failed("expected " + std::to_string(cmd.expected.size()) + " results, got " +
                                   std::to_string(r.results.size()));
      }
      for (size_t i = 0; i < r.results.size(); ++i) {
        std::string why;
        std::optional<bool> m = impl_->matches(r.results[i], cmd.expected[i], why);
        if (!m) return ExecOutcome::skipped(why);
        if (!*m) {
          const Pattern& p = cmd.expected[i];
          std::string want = p.kind == Pattern::Kind::kExact && p.value.type != Value::Type::kRef &&
                                     p.value.type != Value::Type::kV128
                                 ? hex(p.value.bits)
                                 : "the pattern";
          return ExecOutcome::failed("result " + std::to_string(i) + ": got " + r.results[i].to_string() +
                                     ", expected " + want);
        }
      }
      return ExecOutcome::passed();
    }
    default:
      return ExecOutcome::failed("not an action command");
  }
}

ExecOutcome Executor::assert_module(const Command& cmd, wasm::Module validated) {
  auto c = impl_->compile(std::move(validated));
  if (auto* o = std::get_if<ExecOutcome>(&c)) return *o;
  runtime::Module m = std::get<runtime::Module>(std::move(c));
  if (std::optional<std::string> why = impl_->depends_on_unavailable(m)) return ExecOutcome::skipped(*why);
  runtime::Trap trap;
  Expected<runtime::Instance> inst = impl_->linker.instantiate(impl_->store, m, &trap);
  if (inst) return ExecOutcome::failed("expected \"" + cmd.message + "\", but the module instantiated");
  const Error& e = inst.error();
  if (runtime::Module::is_unsupported(e)) return ExecOutcome::skipped(e.message());
  bool want_link = cmd.kind == Command::Kind::kAssertUnlinkable;
  if (want_link != (e.kind() == ErrorKind::kLink)) {
    return ExecOutcome::failed("expected " + std::string(want_link ? "a link error" : "a trap") + " \"" +
                               cmd.message + "\", got \"" + e.message() + "\"");
  }
  if (!message_matches(e.message(), cmd.message)) {
    return ExecOutcome::failed("expected \"" + cmd.message + "\", got \"" + e.message() + "\"");
  }
  return ExecOutcome::passed();
}

void Executor::module_unavailable(const Command& cmd, const std::string& reason) {
  Entry e;
  e.unavailable = reason;
  impl_->set_current(cmd.module.id, e);
}

void Executor::module_failed(const Command& cmd) {
  Entry e;
  e.failed = true;
  impl_->set_current(cmd.module.id, e);
}

}  // namespace kiln::wast
