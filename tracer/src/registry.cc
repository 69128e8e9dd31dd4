#include "cocoon/tracer/registry.h"

namespace cocoon::tracer {

std::any* ProcessRegistry::Values::at(std::size_t i) {
  if (i >= v.size()) v.resize(i + 1);
  return &v[i];
}

std::size_t ProcessRegistry::declare(Rule rule) {
  rules_.push_back(rule);
  return rules_.size() - 1;
}

std::any* ProcessRegistry::cell(std::size_t index, pid_t id, bool write) {
  const Rule& rule = rules_[index];
  if (rule.scope == Scope::kProcess) {
    auto it = processes_.find(id);
    return it == processes_.end() ? nullptr : it->second.values.at(index);
  }
  auto it = threads_.find(id);
  if (it == threads_.end()) return nullptr;
  Thread& t = it->second;
  if (write && rule.scope == Scope::kCall && !t.in_call) {
    t.in_call = true;
    ++open_calls_;
  }
  return t.values.at(index);
}

void ProcessRegistry::attach(Thread& t, pid_t tgid) {
  t.tgid = tgid;
  ++processes_[tgid].threads;
}

void ProcessRegistry::add(pid_t tid, pid_t tgid) {
  Thread& t = threads_[tid];
  if (t.tgid == 0 && tgid != 0) attach(t, tgid);
}

// Thread slots: a copy of the parent's, or for kFresh whatever the child
// already holds (only the parent's own call can have put something there
// before the birth: Pids' clone writes). Process slots of a new process: a
// copy of the parent's or none, whatever a reused number left.
void ProcessRegistry::inherit(Values& to, const Values* from, Scope scope, bool thread) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    if (rule.scope != scope) continue;
    const OnClone how = thread ? rule.new_thread : rule.new_process;
    if (how == OnClone::kCopy) {
      const bool has = from != nullptr && i < from->v.size();
      *to.at(i) = has ? from->v[i] : std::any{};
    } else if (scope == Scope::kProcess) {
      to.at(i)->reset();
    }
  }
}

void ProcessRegistry::born(pid_t child, pid_t child_tgid, pid_t parent, pid_t parent_tgid) {
  Thread& c = threads_[child];
  if (c.tgid == 0 && child_tgid != 0) attach(c, child_tgid);
  const bool thread = c.tgid != 0 && c.tgid == parent_tgid;
  const auto p = threads_.find(parent);
  inherit(c.values, p != threads_.end() ? &p->second.values : nullptr, Scope::kThread, thread);
  if (thread || c.tgid == 0) return;  // a thread shares its group's
  Process& mine = processes_[c.tgid];
  const auto pp = processes_.find(parent_tgid);
  inherit(mine.values, pp != processes_.end() ? &pp->second.values : nullptr, Scope::kProcess,
          false);
}

void ProcessRegistry::exec(pid_t tid, pid_t former) {
  if (former != tid) {
    if (auto f = threads_.find(former); f != threads_.end()) {
      Thread moved = std::move(f->second);
      threads_.erase(f);
      died(tid);  // the old leader: the group keeps `moved`, still counted
      threads_.insert_or_assign(tid, std::move(moved));
    }
  }
  const auto t = threads_.find(tid);
  if (t == threads_.end()) return;
  const auto p = processes_.find(t->second.tgid);
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    if (rule.exec != OnExec::kReset) continue;
    if (rule.scope == Scope::kThread) t->second.values.at(i)->reset();
    if (rule.scope == Scope::kProcess && p != processes_.end()) p->second.values.at(i)->reset();
  }
}

void ProcessRegistry::clear_call(pid_t tid) {
  const auto it = threads_.find(tid);
  if (it == threads_.end() || !it->second.in_call) return;
  std::deque<std::any>& v = it->second.values.v;
  for (std::size_t i = 0; i < rules_.size() && i < v.size(); ++i) {
    if (rules_[i].scope == Scope::kCall) v[i].reset();
  }
  it->second.in_call = false;
  --open_calls_;
}

void ProcessRegistry::died(pid_t tid) {
  const auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  if (it->second.in_call) --open_calls_;
  const pid_t tgid = it->second.tgid;
  threads_.erase(it);
  if (tgid == 0) return;
  const auto p = processes_.find(tgid);
  if (p != processes_.end() && --p->second.threads == 0) processes_.erase(p);
}

}  // namespace cocoon::tracer
