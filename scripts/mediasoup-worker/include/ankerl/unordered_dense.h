// ankerl/unordered_dense.h - stand-in for martinus/unordered_dense.
//
// WHY: the mediasoup worker uses ankerl::unordered_dense::{map,set,hash},
// which its build fetches from GitHub as a meson wrap. Debian 12 has no
// package for it and we have no GitHub access, so we map the names onto the
// standard containers, which offer a superset of the guarantees the worker
// relies on (std::unordered_map also keeps references stable across inserts).
// Differences that do not matter for correctness: iteration order is not
// insertion order and lookups are somewhat slower than the real library.
#ifndef STAGECAST_ANKERL_UNORDERED_DENSE_H
#define STAGECAST_ANKERL_UNORDERED_DENSE_H

#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	// The real hash has an extra SFINAE parameter; nobody in the worker passes it.
	template<class T>
	using hash = std::hash<T>;

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<
	  class Key,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense

#endif // STAGECAST_ANKERL_UNORDERED_DENSE_H
