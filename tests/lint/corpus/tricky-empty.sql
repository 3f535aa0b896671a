-- only comments
/* and a block */
