import { describe, expect, it } from "vitest";
import { EXT2_DIND_BLOCK, EXT2_IND_BLOCK, EXT2_TIND_BLOCK, ext2_block_to_path, mkfs_ext2 } from "./ext2.js";

describe("ext2_block_to_path (fs/ext2/inode.c)", () => {
  // A 128 MiB image gets 1 KiB blocks, so an indirect block holds apb = 256 block numbers.
  const disk = mkfs_ext2(128 * 2 ** 20);
  const offsets = new Int32Array(4);
  const boundary = new Int32Array(1);

  it("uses 1 KiB blocks on a 128 MiB image (apb 256)", () => {
    expect(disk.block_size).toBe(1024);
    expect(disk.apb).toBe(256);
  });

  it("maps the last direct block at depth 1, with no block after it in the same row", () => {
    expect(ext2_block_to_path(disk, 11, offsets, boundary)).toBe(1);
    expect(offsets[0]).toBe(11);
    expect(boundary[0]).toBe(0);
    expect(ext2_block_to_path(disk, 3, offsets, boundary)).toBe(1);
    expect(boundary[0]).toBe(8); // 12 - 1 - 3
  });

  it("maps block 12 to slot 0 of the indirect block, 255 more blocks to its end", () => {
    expect(ext2_block_to_path(disk, 12, offsets, boundary)).toBe(2);
    expect([offsets[0], offsets[1]]).toEqual([EXT2_IND_BLOCK, 0]);
    expect(boundary[0]).toBe(255);
  });

  it("maps block 12 + 256 + 300 through the double-indirect block: [13, 1, 44]", () => {
    // 300 blocks into the double-indirect range: its second indirect block (300 / 256 = 1), slot 44.
    expect(ext2_block_to_path(disk, 12 + 256 + 300, offsets, boundary)).toBe(3);
    expect([offsets[0], offsets[1], offsets[2]]).toEqual([EXT2_DIND_BLOCK, 1, 44]);
    expect(boundary[0]).toBe(255 - 44);
  });

  it("maps the first triple-indirect block at depth 4 and gives 0 beyond the map", () => {
    const first_tind = 12 + 256 + 256 * 256;
    expect(ext2_block_to_path(disk, first_tind, offsets, null)).toBe(4);
    expect([offsets[0], offsets[1], offsets[2], offsets[3]]).toEqual([EXT2_TIND_BLOCK, 0, 0, 0]);
    expect(ext2_block_to_path(disk, first_tind + 256 ** 3, offsets, boundary)).toBe(0);
    expect(boundary[0]).toBe(0);
  });
});
