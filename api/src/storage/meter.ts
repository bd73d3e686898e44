import type { PipelinePolicy } from '@azure/core-rest-pipeline';

/**
 * Counts the storage requests the API makes: table requests through an Azure SDK pipeline policy,
 * queue requests as the wake queue makes them (its SDK takes no core pipeline policy). What
 * bench:send reports per delivered message.
 */
export class StorageMeter {
  public requests = 0;
  public queueRequests = 0;
  /** Characters of the table service's answers (what the API read). */
  public responseChars = 0;
  public readonly byMethod: Record<string, number> = {};

  public readonly countQueueRequest = (): void => {
    this.queueRequests++;
  };

  public readonly policy: PipelinePolicy = {
    name: 'lmsStorageMeter',
    sendRequest: async (request, next) => {
      this.requests++;
      this.byMethod[request.method] = (this.byMethod[request.method] ?? 0) + 1;
      const response = await next(request);
      this.responseChars += response.bodyAsText?.length ?? 0;
      return response;
    }
  };
}
