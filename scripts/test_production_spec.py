"""Unit tests of production_spec.py: run with `python3 -m unittest discover -s scripts -p 'test_*.py'`."""

import copy
import json
import os
import unittest

import production_spec as ps

HERE = os.path.dirname(os.path.abspath(__file__))
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
ALICE_HEX = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"


def launch():
    with open(os.path.join(HERE, "testdata", "production-launch-alice.json")) as f:
        return json.load(f)


def template():
    fields = ("balances", "poaiStaking", "session", "councilMembership")
    patch = {name: {} for name in fields}
    patch["poaiModels"] = {"tiers": [{"name": "cpu"}, {"name": "gpu-24gb"}, {"name": "gpu-80gb"}]}
    patch["sudo"] = {"key": None}
    return {"bootNodes": [], "genesis": {"runtimeGenesis": {"code": "0x00", "patch": patch}}}


class Ss58(unittest.TestCase):
    def test_known_address_round_trips(self):
        self.assertEqual(ps.ss58_public(ALICE).hex(), ALICE_HEX[2:])
        self.assertEqual(ps.ss58_encode(bytes.fromhex(ALICE_HEX[2:])), ALICE)
        self.assertEqual(ps.account(ALICE_HEX, "x"), ALICE)

    def test_a_typo_is_caught_by_the_checksum(self):
        with self.assertRaisesRegex(ps.LaunchError, "checksum"):
            ps.account(ALICE[:-1] + ("Z" if ALICE[-1] != "Z" else "Y"), "council[0]")


class Apply(unittest.TestCase):
    def test_the_launch_set_replaces_only_its_fields(self):
        spec = ps.apply(template(), launch())
        patch = spec["genesis"]["runtimeGenesis"]["patch"]
        self.assertEqual(patch["sudo"], {"key": None})
        keys = patch["session"]["keys"][0][2]
        self.assertEqual(keys["babe"], ALICE)
        self.assertEqual(keys["poai"], ALICE)
        self.assertEqual(patch["poaiStaking"]["stakers"][0][1], 100000000000000000)
        self.assertEqual(len(patch["councilMembership"]["members"]), 3)

    def test_bad_launch_files_name_the_field(self):
        cases = [
            (lambda l: l["validators"][0].update(bond=0), r"validators\[0\]\.bond"),
            (lambda l: l["balances"].pop(0), r"must hold more than its bond"),
            (lambda l: l["validators"][0]["keys"].pop("poai"), r"validators\[0\]\.keys"),
            (lambda l: l["validators"][0].update({"class": "Cpu"}), r"unknown fields"),
            (lambda l: l["validators"][0].update(tier=3), r"validators\[0\]\.tier: 3 is not the id"),
            (lambda l: l["validators"][0].update(tier="0"), r"\.tier"),
            (lambda l: l.update(council=l["council"][:2]), r"at least three"),
            (lambda l: l.update(validators=[]), r"at least one"),
            (lambda l: l.update(sudo=ALICE), r"unknown fields"),
            (lambda l: l["validators"].append(copy.deepcopy(l["validators"][0])), r"twice"),
        ]
        for spoil, message in cases:
            bad = launch()
            spoil(bad)
            with self.subTest(message=message), self.assertRaisesRegex(ps.LaunchError, message):
                ps.apply(template(), bad)


if __name__ == "__main__":
    unittest.main()
