import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';

export function registerMetadataRoutes(_app: FastifyInstance, _context: EmulatorContext): void {}
