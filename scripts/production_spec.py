"""Puts a launch file's genesis set into the production chain spec (see production-spec.sh).

usage: production_spec.py TEMPLATE_SPEC.json LAUNCH.json > SPEC.json

The template is `poai-node build-spec --chain production`. Only the fields a launch decides are
replaced: balances, the genesis validators (their bonds and session keys) and the council, plus
the boot nodes. Every other field (timing, protocol, staking parameters, models, no sudo key)
stays as the runtime's production preset wrote it. Errors name the field at fault and write
nothing.
"""

import hashlib
import json
import sys

SS58_PREFIX = 42
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
KEY_TYPES = ("babe", "grandpa", "poai")


class LaunchError(Exception):
    pass


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = BASE58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        if ch not in BASE58:
            raise ValueError(f"'{ch}' is not a base58 character")
        n = n * 58 + BASE58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def ss58_checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(b"SS58PRE" + payload, digest_size=64).digest()[:2]


def ss58_encode(public: bytes) -> str:
    payload = bytes([SS58_PREFIX]) + public
    return b58encode(payload + ss58_checksum(payload))


def ss58_public(address: str) -> bytes:
    raw = b58decode(address)
    if len(raw) != 35 or raw[0] != SS58_PREFIX:
        raise ValueError("not a 32-byte SS58 address with the generic prefix 42")
    if ss58_checksum(raw[:33]) != raw[33:]:
        raise ValueError("bad SS58 checksum")
    return raw[1:33]


def account(value, where: str) -> str:
    """An SS58 address (prefix 42) or 0x-hex 32-byte public key, as an SS58 address."""
    if not isinstance(value, str):
        raise LaunchError(f"{where}: expected an SS58 address or 0x-hex public key, got {value!r}")
    try:
        if value.startswith("0x"):
            public = bytes.fromhex(value[2:])
            if len(public) != 32:
                raise ValueError(f"{len(public)} bytes, not 32")
        else:
            public = ss58_public(value)
    except ValueError as error:
        raise LaunchError(f"{where}: {value!r}: {error}") from None
    return ss58_encode(public)


def amount(value, where: str) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise LaunchError(f"{where}: expected a positive amount in plancks, got {value!r}")
    return value


def genesis_set(launch: dict, tier_count: int) -> dict:
    """The genesis set of `launch`, whose validators may declare tiers `0..tier_count`."""
    known = {"validators", "council", "balances", "bootNodes"}
    unknown = set(launch) - known
    if unknown:
        raise LaunchError(f"unknown fields {sorted(unknown)} (known: {sorted(known)})")
    validators = launch.get("validators") or []
    if not validators:
        raise LaunchError("validators: a launch needs at least one genesis validator")
    balances = {}
    for i, entry in enumerate(launch.get("balances") or []):
        if not (isinstance(entry, list) and len(entry) == 2):
            raise LaunchError(f"balances[{i}]: expected [account, amount]")
        who = account(entry[0], f"balances[{i}][0]")
        if who in balances:
            raise LaunchError(f"balances[{i}]: {who} is listed twice")
        balances[who] = amount(entry[1], f"balances[{i}][1]")
    stakers, keys, stashes = [], [], set()
    for i, v in enumerate(validators):
        where = f"validators[{i}]"
        unknown = set(v) - {"stash", "bond", "tier", "keys"}
        if unknown:
            raise LaunchError(f"{where}: unknown fields {sorted(unknown)}")
        stash = account(v.get("stash"), f"{where}.stash")
        if stash in stashes:
            raise LaunchError(f"{where}.stash: {stash} is a genesis validator twice")
        stashes.add(stash)
        bond = amount(v.get("bond"), f"{where}.bond")
        if balances.get(stash, 0) <= bond:
            raise LaunchError(
                f"{where}: the stash {stash} must hold more than its bond of {bond} "
                f"(balances gives it {balances.get(stash, 0)})"
            )
        tier = v.get("tier", 0)
        if not isinstance(tier, int) or isinstance(tier, bool) or not 0 <= tier < tier_count:
            raise LaunchError(
                f"{where}.tier: {tier!r} is not the id of a genesis tier (0 to {tier_count - 1}, "
                f"poaiModels.tiers of the template)"
            )
        session = v.get("keys")
        if not isinstance(session, dict) or set(session) != set(KEY_TYPES):
            raise LaunchError(f"{where}.keys: expected exactly {list(KEY_TYPES)}")
        stakers.append([stash, bond, tier])
        keys.append([stash, stash, {k: account(session[k], f"{where}.keys.{k}") for k in KEY_TYPES}])
    council = [account(c, f"council[{i}]") for i, c in enumerate(launch.get("council") or [])]
    if len(council) < 3:
        raise LaunchError("council: at least three members, so that a majority is two or more")
    if len(set(council)) != len(council):
        raise LaunchError("council: a member is listed twice")
    boot_nodes = launch.get("bootNodes") or []
    if not all(isinstance(b, str) and b.startswith("/") for b in boot_nodes):
        raise LaunchError("bootNodes: expected multiaddresses such as /dns/host/tcp/30333/p2p/12D3…")
    return {
        "balances": [[who, value] for who, value in balances.items()],
        "stakers": stakers,
        "keys": keys,
        "council": council,
        "bootNodes": boot_nodes,
    }


def apply(spec: dict, launch: dict) -> dict:
    try:
        patch = spec["genesis"]["runtimeGenesis"]["patch"]
        tiers = patch["poaiModels"]["tiers"]
    except KeyError:
        raise LaunchError("the template is not a plain `build-spec --chain production` spec") from None
    chosen = genesis_set(launch, len(tiers))
    patch["balances"]["balances"] = chosen["balances"]
    patch["poaiStaking"]["stakers"] = chosen["stakers"]
    patch["session"]["keys"] = chosen["keys"]
    patch["councilMembership"]["members"] = chosen["council"]
    spec["bootNodes"] = chosen["bootNodes"]
    return spec


def main(argv) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            spec = json.load(f)
        with open(argv[2]) as f:
            launch = json.load(f)
        json.dump(apply(spec, launch), sys.stdout, indent=2)
        print()
    except (OSError, json.JSONDecodeError) as error:
        print(f"production-spec: {error}", file=sys.stderr)
        return 2
    except LaunchError as error:
        print(f"production-spec: {argv[2]}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
