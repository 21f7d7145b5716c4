/**
 * enum migratetype of 6.1's include/linux/mmzone.h for Debian's x86-64 build (no CONFIG_CMA, so
 * MIGRATE_ISOLATE is 4), and the names mm/page_alloc.c prints for them: pure tables shared by
 * the model (src/mm/mmzone.ts re-exports them) and the decoder of real /proc files.
 * @kernel include/linux/mmzone.h enum migratetype
 * @kernel mm/page_alloc.c migratetype_names
 */
export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
export const MIGRATE_ISOLATE = 4;
export const MIGRATE_TYPES = 5;
/** As /proc/pagetypeinfo prints them. @kernel mm/page_alloc.c migratetype_names */
export const migratetype_names = Object.freeze(["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"] as const);
