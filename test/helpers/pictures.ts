import sharp from 'sharp';

/** Mean difference in grey levels between two pictures, both brought down to 40x40. */
export async function pictureDifference(a: Buffer, b: Buffer): Promise<number> {
  const [small, other] = await Promise.all(
    [a, b].map((image) =>
      sharp(image).resize(40, 40, { fit: 'fill' }).greyscale().raw().toBuffer(),
    ),
  );
  return small.reduce((sum, value, i) => sum + Math.abs(value - other[i]!), 0) / small.length;
}
