"""Test helpers shared by every folder of the suite: fixtures data, factories, the browser and client helpers."""
