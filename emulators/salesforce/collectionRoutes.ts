import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';

export function registerCollectionRoutes(_scope: FastifyInstance, _context: EmulatorContext): void {}
