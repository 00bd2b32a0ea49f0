// srtp.h - libsrtp 3.0 API subset on top of Debian's libsrtp 2.5.
//
// WHY: mediasoup >= 3.15 bundles libsrtp 3 (fetched by a meson wrap from
// GitHub) and includes it as <srtp.h>. Debian 12 only ships libsrtp 2.5
// (<srtp2/srtp.h>), whose API differs in a few places:
//   * srtp_policy_t is a plain struct in v2, an opaque handle built with
//     srtp_policy_create()/srtp_policy_set_*() in v3;
//   * v3 takes key and salt separately, v2 wants them concatenated;
//   * v3 protect/unprotect read from one buffer and write to another with
//     size_t lengths and an explicit output capacity; v2 works in place with
//     int lengths and assumes room for the trailer;
//   * srtp_remove_stream() was renamed srtp_stream_remove();
//   * two error codes are new in v3.
// This header sits on the worker's include path (ahead of the system dirs),
// so the worker's `#include <srtp.h>` gets it. It pulls in the v2 header with
// its srtp_policy_t renamed, then adds the v3 names as small C++ inline
// wrappers. Only the calls mediasoup's worker uses are provided.
#ifndef STAGECAST_SRTP_COMPAT_H
#define STAGECAST_SRTP_COMPAT_H

#ifndef __cplusplus
#error "stagecast srtp.h compat shim is C++ only (mediasoup worker)"
#endif

// Rename v2's struct so the v3 handle type can take its name.
#define srtp_policy_t stagecast_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

// Error codes added in libsrtp 3 (same numeric values as upstream). v2's enum
// ends at 27, so 28/29 never collide with a real v2 status.
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

// v3 policy handle: the v2 policy plus storage for the key||salt buffer that
// v2's policy only points to.
struct stagecast_srtp_policy
{
	stagecast_srtp2_policy_t v2;
	unsigned char key[SRTP_MAX_KEY_LEN];
	bool profileSet;
};
typedef stagecast_srtp_policy* srtp_policy_t;

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (!policy)
		return srtp_err_status_bad_param;
	// Value-initialised: all-zero v2 policy (no MKI, no EKT, next = NULL).
	*policy = new (std::nothrow) stagecast_srtp_policy();
	return *policy ? srtp_err_status_ok : srtp_err_status_alloc_fail;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	if (!policy)
		return;
	// Do not leave key material lying around in freed memory.
	volatile unsigned char* k = policy->key;
	for (size_t i = 0; i < sizeof(policy->key); ++i)
		k[i] = 0;
	delete policy;
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (!policy)
		return srtp_err_status_bad_param;
	policy->v2.ssrc = ssrc;
	return srtp_err_status_ok;
}

// v3 sets both the SRTP and SRTCP crypto policies from one profile.
inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (!policy)
		return srtp_err_status_bad_param;
	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->v2.rtp, profile);
	if (err != srtp_err_status_ok)
		return err;
	err = srtp_crypto_policy_set_from_profile_for_rtcp(&policy->v2.rtcp, profile);
	if (err == srtp_err_status_ok)
		policy->profileSet = true;
	return err;
}

// v3 takes key and salt separately; v2 reads one key||salt buffer whose
// length is implied by the crypto policy. MKI is not supported here (mediasoup
// never uses it).
inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t keyLen,
  const uint8_t* salt,
  size_t saltLen,
  const uint8_t* mki,
  size_t mkiLen)
{
	if (!policy || !key || (saltLen && !salt) || mki || mkiLen)
		return srtp_err_status_bad_param;
	if (keyLen + saltLen > sizeof(policy->key))
		return srtp_err_status_bad_param;
	// With the profile known, the total must be exactly what v2 will read.
	if (policy->profileSet && keyLen + saltLen != static_cast<size_t>(policy->v2.rtp.cipher_key_len))
		return srtp_err_status_bad_param;
	std::memcpy(policy->key, key, keyLen);
	if (saltLen)
		std::memcpy(policy->key + keyLen, salt, saltLen);
	policy->v2.key = policy->key;
	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (!policy)
		return srtp_err_status_bad_param;
	policy->v2.allow_repeat_tx = allow ? 1 : 0;
	return srtp_err_status_ok;
}

// v2 validates the range (64..0x7fff, or 0 = default) in srtp_create().
inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t windowSize)
{
	if (!policy)
		return srtp_err_status_bad_param;
	policy->v2.window_size = static_cast<unsigned long>(windowSize);
	return srtp_err_status_ok;
}

// Overload (C++) of v2's C srtp_create(srtp_t*, const v2-policy*).
inline srtp_err_status_t srtp_create(srtp_t* session, srtp_policy_t policy)
{
	if (!policy || !policy->v2.key)
		return srtp_err_status_bad_param;
	return srtp_create(session, &policy->v2);
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

namespace stagecast_srtp_compat
{
	// Adapts a v2 in-place call `fn(void* buf, int* len)` to v3's
	// (in, inLen) -> (out, *outLen = capacity) contract. `maxGrowth` is the most
	// bytes fn may append. When the caller's output buffer is big enough for the
	// worst case we work directly in it (the normal mediasoup path); otherwise
	// we work in a scratch buffer and copy back only if the result fits.
	template<typename Fn>
	inline srtp_err_status_t InPlace(
	  Fn fn, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t maxGrowth)
	{
		if (!in || !out || !outLen || inLen > static_cast<size_t>(INT_MAX) - maxGrowth)
			return srtp_err_status_bad_param;

		int len = static_cast<int>(inLen);

		if (*outLen >= inLen + maxGrowth)
		{
			if (out != in)
				std::memmove(out, in, inLen);
			const srtp_err_status_t err = fn(out, &len);
			if (err == srtp_err_status_ok)
				*outLen = static_cast<size_t>(len);
			return err;
		}

		std::vector<uint8_t> scratch(in, in + inLen);
		scratch.resize(inLen + maxGrowth);
		const srtp_err_status_t err = fn(scratch.data(), &len);
		if (err != srtp_err_status_ok)
			return err;
		if (static_cast<size_t>(len) > *outLen)
			return srtp_err_status_buffer_small;
		std::memcpy(out, scratch.data(), static_cast<size_t>(len));
		*outLen = static_cast<size_t>(len);
		return srtp_err_status_ok;
	}
} // namespace stagecast_srtp_compat

// v3 signatures below; each calls the v2 3-argument C function of the same
// name (a different overload) on a buffer it may modify in place.

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;
	// SRTP appends the auth tag (+ MKI, unused): at most SRTP_MAX_TRAILER_LEN.
	return stagecast_srtp_compat::InPlace(
	  [ctx](void* buf, int* len) { return srtp_protect(ctx, buf, len); },
	  rtp, rtpLen, srtp, srtpLen, SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	// Unprotect only shrinks the packet.
	return stagecast_srtp_compat::InPlace(
	  [ctx](void* buf, int* len) { return srtp_unprotect(ctx, buf, len); },
	  srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
		return srtp_err_status_bad_param;
	// SRTCP appends the 4-byte E+index word plus the trailer (libsrtp2 docs).
	return stagecast_srtp_compat::InPlace(
	  [ctx](void* buf, int* len) { return srtp_protect_rtcp(ctx, buf, len); },
	  rtcp, rtcpLen, srtcp, srtcpLen, SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return stagecast_srtp_compat::InPlace(
	  [ctx](void* buf, int* len) { return srtp_unprotect_rtcp(ctx, buf, len); },
	  srtcp, srtcpLen, rtcp, rtcpLen, 0);
}

#endif // STAGECAST_SRTP_COMPAT_H
