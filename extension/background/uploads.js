import { Limiter } from "../shared/limiter.js";
import { uploadImage } from "../shared/http.js";

// Image bytes go to the server a few at a time: a 150-page blob: chapter must not hold 150
// copies in memory, nor open 150 requests to a server that works through them in order anyway.
export const UPLOADS_IN_FLIGHT = 4;
const limiter = new Limiter(UPLOADS_IN_FLIGHT);

/** POST /v1/jobs/{job}/images, waiting for a free slot. Returns the server's image id. */
export async function upload(settings, jobId, url, bytes, type) {
  const reply = await limiter.run(() => uploadImage(settings, jobId, url, bytes, type));
  return reply.image_id;
}
