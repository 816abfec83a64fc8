-- The method of an allocation is a closed set (tag, rule:<n>, ecs, scad, ebs,
-- idle, split:<n>, unallocated); the instance a volume merged into, once
-- spelled into the method as 'ebs→<instance>', is a column of its own.
ALTER TABLE allocations ADD COLUMN merged_into VARCHAR NOT NULL DEFAULT '';
UPDATE allocations
SET merged_into = split_part(method, '→', 2), method = 'ebs'
WHERE method LIKE 'ebs→%';
