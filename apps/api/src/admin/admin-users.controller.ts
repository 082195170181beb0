import {
  BadRequestException,
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Patch,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { PrismaService } from '@keyseed/database';
import { AuthenticatedUser, CurrentUser, Roles } from '../auth/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { userView } from '../accounts/accounts.service';
import { UserView } from '../accounts/dtos/account.responses';
import { PageQueryDto } from './dtos/page-query.dto';
import { UpdateUserDto } from './dtos/update-user.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List accounts, newest first' })
  @ApiResponse({ status: 200, type: [UserView] })
  async list(@Query() q: PageQueryDto): Promise<UserView[]> {
    const users = await this.prisma.user.findMany({
      orderBy: { createdAt: 'desc' },
      skip: (q.page - 1) * q.perPage,
      take: q.perPage,
    });
    return users.map(userView);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change roles or disable/enable an account (audited)' })
  @ApiResponse({ status: 200, type: UserView })
  async update(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserView> {
    if (id === admin.id && (dto.disabled || (dto.roles && !dto.roles.includes('ADMIN')))) {
      throw new BadRequestException('admins cannot disable themselves or drop their own admin role');
    }
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id } });
      if (!before) throw new NotFoundException(`user ${id} not found`);
      const after = await tx.user.update({
        where: { id },
        data: {
          ...(dto.roles ? { roles: { set: dto.roles } } : {}),
          ...(dto.disabled === undefined
            ? {}
            : { disabledAt: dto.disabled ? (before.disabledAt ?? new Date()) : null }),
        },
      });
      await this.audit.record(
        {
          actorId: admin.id,
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          details: {
            before: { roles: before.roles, disabled: Boolean(before.disabledAt) },
            after: { roles: after.roles, disabled: Boolean(after.disabledAt) },
          },
        },
        tx,
      );
      return userView(after);
    });
  }
}
