import { describe, expect, it } from "vitest";
import { kstrtobool } from "./kstrtox.js";
import { sysfs_streq } from "./string.js";

describe("sysfs_streq", () => {
  it("ignores one trailing newline on either side, nothing else", () => {
    expect(sysfs_streq("madvise\n", "madvise")).toBe(true);
    expect(sysfs_streq("madvise", "madvise\n")).toBe(true);
    expect(sysfs_streq("madvise\n\n", "madvise")).toBe(false);
    expect(sysfs_streq(" madvise", "madvise")).toBe(false);
  });
});

describe("kstrtobool", () => {
  it("decides on the first one or two characters", () => {
    expect(["y", "Yes", "true", "T", "1", "on", "ON"].map(kstrtobool)).toEqual([true, true, true, true, true, true, true]);
    expect(["n", "No", "false", "F", "0", "off", "OFFline"].map(kstrtobool)).toEqual([false, false, false, false, false, false, false]);
    expect(["", "o", "2", "maybe", " y"].map(kstrtobool)).toEqual([null, null, null, null, null]);
  });
});
