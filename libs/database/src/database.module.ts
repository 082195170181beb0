import { Global, Module } from '@nestjs/common';
import { HotPathPool } from './hot-path-pool';
import { PrismaService } from './prisma.service';

@Global()
@Module({ providers: [PrismaService, HotPathPool], exports: [PrismaService, HotPathPool] })
export class DatabaseModule {}
